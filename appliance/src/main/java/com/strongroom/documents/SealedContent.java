package com.strongroom.documents;

import com.strongroom.crypto.DecryptionFailedException;
import com.strongroom.crypto.SealedBlob;
import com.strongroom.crypto.SecretKeyBytes;

/** An uploaded original sealed under the dataset's DEK, bound to its document id. */
public final class SealedContent {
    private static final String LABEL = "strongroom/document/v1";

    private SealedContent() {}

    public static byte[] seal(SecretKeyBytes dek, String documentId, byte[] content) {
        return SealedBlob.seal(dek, LABEL, documentId, content);
    }

    public static byte[] open(SecretKeyBytes dek, String documentId, byte[] stored) throws DecryptionFailedException {
        return SealedBlob.open(dek, LABEL, documentId, stored);
    }
}
