package com.strongroom.ingest;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

final class Charsets {
    private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");

    private Charsets() {}

    /** Strict UTF-8 (any malformed sequence fails), else windows-1252, which maps every byte. */
    static String utf8OrWindows1252(byte[] b, int offset) {
        ByteBuffer bytes = ByteBuffer.wrap(b, offset, b.length - offset);
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            return new String(b, offset, b.length - offset, WINDOWS_1252);
        }
    }
}
