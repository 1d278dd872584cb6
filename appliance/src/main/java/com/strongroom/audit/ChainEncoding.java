package com.strongroom.audit;

import com.strongroom.crypto.Hmac;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** The exact bytes an entry's MAC covers: the previous MAC, then every field length-prefixed. */
final class ChainEncoding {
    private ChainEncoding() {}

    static byte[] mac(byte[] key, byte[] previousMac, long seq, AuditEvent e, int keyVersion) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.writeBytes(previousMac);
        out.writeBytes(ByteBuffer.allocate(8).putLong(seq).array());
        for (String field : new String[] {
            e.time().toString(),
            e.actor(),
            e.organization(),
            e.action(),
            e.target(),
            e.source(),
            e.outcome().name(),
            e.requestId(),
            e.detail(),
            Integer.toString(keyVersion)
        }) {
            if (field == null) {
                out.writeBytes(ByteBuffer.allocate(4).putInt(-1).array());
            } else {
                byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
                out.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
                out.writeBytes(bytes);
            }
        }
        return Hmac.sha256(key, out.toByteArray());
    }
}
