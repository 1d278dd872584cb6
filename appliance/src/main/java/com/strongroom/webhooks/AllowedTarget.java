package com.strongroom.webhooks;

import java.net.InetAddress;

/**
 * One entry of {@code webhooks.allow-targets}: an address block, optionally one port of it, that
 * deliveries may reach although it is loopback, private or link-local. Written {@code 10.0.0.0/8},
 * {@code 127.0.0.1:8443}, {@code 192.168.1.0/24:443}, {@code fd00::/8} or {@code [::1]:8443};
 * addresses only, because the check is made on resolved addresses, never on names.
 */
public record AllowedTarget(byte[] network, int prefix, int port) {
    public static final int ANY_PORT = -1;

    /** Parses one entry; the message of the exception says what is wrong with it. */
    public static AllowedTarget parse(String entry) {
        String text = entry == null ? "" : entry.strip();
        String block = text;
        String portText = null;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("'" + text + "' has '[' without ']'");
            }
            block = text.substring(1, close);
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("'" + text + "': after ']' only ':<port>' may follow");
                }
                portText = rest.substring(1);
            }
        } else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
            block = text.substring(0, text.indexOf(':'));
            portText = text.substring(text.indexOf(':') + 1);
        }
        String addressText = block;
        int prefix = -1;
        int slash = block.indexOf('/');
        if (slash >= 0) {
            addressText = block.substring(0, slash);
            prefix = number(block.substring(slash + 1), text, "prefix length");
        }
        byte[] network;
        try {
            network = InetAddress.ofLiteral(addressText).getAddress();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not an IP address or CIDR block (host names are not allowed: the check is on"
                            + " resolved addresses)");
        }
        int bits = network.length * 8;
        if (prefix == -1) {
            prefix = bits;
        } else if (prefix > bits) {
            throw new IllegalArgumentException("'" + text + "' has a prefix length above " + bits);
        }
        int port = ANY_PORT;
        if (portText != null) {
            port = number(portText, text, "port");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("'" + text + "' has a port outside 1..65535");
            }
        }
        return new AllowedTarget(network, prefix, port);
    }

    private static int number(String digits, String entry, String what) {
        if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("'" + entry + "' has no valid " + what);
        }
        return Integer.parseInt(digits);
    }

    /** Whether {@code address} (already normalised by {@link Destinations#normalise}) and {@code port} fall in this entry. */
    boolean covers(InetAddress address, int port) {
        if (this.port != ANY_PORT && this.port != port) {
            return false;
        }
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (network[full] & mask);
    }
}
