package com.strongroom.webhooks;

import com.strongroom.crypto.Hmac;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * {@code Strongroom-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>}.
 * The timestamp is signed with the body, so a receiver that rejects old timestamps (e.g. more
 * than five minutes) also rejects replayed deliveries.
 */
public final class WebhookSignature {
    public static final String HEADER = "Strongroom-Signature";

    private WebhookSignature() {}

    public static String header(byte[] secret, long unixSeconds, byte[] body) {
        return "t=" + unixSeconds + ",v1=" + HexFormat.of().formatHex(mac(secret, unixSeconds, body));
    }

    /** What a receiver does: recompute, compare in constant time, and check the age. */
    public static boolean verify(
            byte[] secret, String header, byte[] body, long nowUnixSeconds, long toleranceSeconds) {
        long t = -1;
        String v1 = null;
        for (String part : header.split(",")) {
            if (part.startsWith("t=")) {
                try {
                    t = Long.parseLong(part.substring(2));
                } catch (NumberFormatException e) {
                    return false;
                }
            } else if (part.startsWith("v1=")) {
                v1 = part.substring(3);
            }
        }
        if (t < 0 || v1 == null || Math.abs(nowUnixSeconds - t) > toleranceSeconds) {
            return false;
        }
        byte[] expected = HexFormat.of().formatHex(mac(secret, t, body)).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, v1.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] mac(byte[] secret, long unixSeconds, byte[] body) {
        byte[] prefix = (unixSeconds + ".").getBytes(StandardCharsets.US_ASCII);
        byte[] signed = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, signed, 0, prefix.length);
        System.arraycopy(body, 0, signed, prefix.length, body.length);
        return Hmac.sha256(secret, signed);
    }
}
