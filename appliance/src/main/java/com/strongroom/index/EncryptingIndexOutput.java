package com.strongroom.index;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Checksum;
import javax.crypto.SecretKey;
import org.apache.lucene.store.BufferedChecksum;
import org.apache.lucene.store.IndexOutput;

/**
 * Writes the header, then each page sealed as it fills. A full page is sealed only once more data
 * arrives, so the page sealed by {@link #close()} as last is never empty unless the file is.
 */
final class EncryptingIndexOutput extends IndexOutput {
    private final IndexOutput out;
    private final SecretKey key;
    private final byte[] nameBytes;
    private final int pageSize;
    /** Plaintext of the current page; sealed in place, so room for the tag too. */
    private final byte[] page;
    /** Lucene verifies footers against the plaintext checksum. */
    private final Checksum crc = new BufferedChecksum(new CRC32());

    private final Runnable onClose;

    private int upto;
    private long index;
    private boolean closed;

    EncryptingIndexOutput(IndexOutput out, FileHeader header, SecretKey key, Runnable onClose) throws IOException {
        super("EncryptingIndexOutput(" + out + ")", out.getName());
        this.out = out;
        this.onClose = onClose;
        this.key = key;
        this.nameBytes = header.name().getBytes(StandardCharsets.UTF_8);
        this.pageSize = 1 << header.pageShift();
        this.page = new byte[pageSize + PageCipher.TAG_BYTES];
        out.writeBytes(header.encoded(), header.length());
    }

    @Override
    public void writeByte(byte b) throws IOException {
        if (upto == pageSize) {
            seal(false);
        }
        page[upto++] = b;
        crc.update(b);
    }

    @Override
    public void writeBytes(byte[] b, int offset, int length) throws IOException {
        crc.update(b, offset, length);
        while (length > 0) {
            if (upto == pageSize) {
                seal(false);
            }
            int n = Math.min(length, pageSize - upto);
            System.arraycopy(b, offset, page, upto, n);
            upto += n;
            offset += n;
            length -= n;
        }
    }

    private void seal(boolean last) throws IOException {
        int n = PageCipher.get().seal(key, nameBytes, index, last, page, upto);
        out.writeBytes(page, 0, n);
        index++;
        upto = 0;
    }

    @Override
    public long getFilePointer() {
        return index * pageSize + upto;
    }

    @Override
    public long getChecksum() {
        return crc.getValue();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (out) {
            seal(true);
        } finally {
            Arrays.fill(page, (byte) 0);
            onClose.run();
        }
    }
}
