package com.strongroom.config;

import io.helidon.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed access to one config tree, where an environment variable may override a key. Every
 * failure names the key (and the variable, if that is where the bad value came from).
 */
final class ConfigReader {
    private static final Pattern SIZE =
            Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private final Config root;
    private final Map<String, String> env;
    /** How errors name keys below {@link #root}: "" at the top, e.g. "backup.targets[1]." in a list. */
    private final String prefix;

    ConfigReader(Config root, Map<String, String> env) {
        this(root, env, "");
    }

    private ConfigReader(Config root, Map<String, String> env, String prefix) {
        this.root = root;
        this.env = env;
        this.prefix = prefix;
    }

    /** One reader per element of the list at {@code key}, naming keys as {@code key[i].name}. */
    List<ConfigReader> list(String key) {
        List<Config> nodes = root.get(key).asNodeList().orElse(List.of());
        java.util.ArrayList<ConfigReader> readers = new java.util.ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            readers.add(new ConfigReader(nodes.get(i), Map.of(), prefix + key + "[" + i + "]."));
        }
        return readers;
    }

    /** The full name of {@code key} for error messages. */
    String name(String key) {
        return prefix + key;
    }

    Optional<String> string(String key) {
        return root.get(key).asString().asOptional().map(String::trim).filter(s -> !s.isEmpty());
    }

    private Optional<String> stringOrEnv(String key, String envVar) {
        String fromEnv = envVar == null ? null : env.get(envVar);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Optional.of(fromEnv.trim());
        }
        return string(key);
    }

    String requiredString(String key, int maxLength) {
        String value = string(key).orElseThrow(() -> new InvalidConfigException(prefix + key, "is required"));
        if (value.length() > maxLength) {
            throw new InvalidConfigException(prefix + key, "longer than " + maxLength + " characters");
        }
        return value;
    }

    int port(String key, String envVar, int min) {
        String raw =
                stringOrEnv(key, envVar).orElseThrow(() -> new InvalidConfigException(prefix + key, "is required"));
        String source =
                envVar != null && env.containsKey(envVar) ? prefix + key + "' (from $" + envVar + ")" : prefix + key;
        try {
            int port = Integer.parseInt(raw);
            if (port < min || port > 65535) {
                throw new InvalidConfigException(source, "port " + port + " is outside " + min + "..65535");
            }
            return port;
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(source, "'" + raw + "' is not a port number");
        }
    }

    boolean bool(String key, boolean fallback) {
        Optional<String> raw = string(key);
        if (raw.isEmpty()) {
            return fallback;
        }
        return switch (raw.get().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new InvalidConfigException(prefix + key, "'" + raw.get() + "' is not true or false");
        };
    }

    Duration duration(String key, Duration min, Duration max) {
        String raw = requiredString(key, 40);
        Duration value;
        Matcher m = SIMPLE_DURATION.matcher(raw);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            value = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } else {
            try {
                value = Duration.parse(raw);
            } catch (java.time.format.DateTimeParseException e) {
                throw new InvalidConfigException(
                        prefix + key, "'" + raw + "' is not a duration (e.g. 2s, 500ms, PT2S)");
            }
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new InvalidConfigException(prefix + key, raw + " is outside " + min + ".." + max);
        }
        return value;
    }

    /** An http(s) URL with a host. */
    java.net.URI httpUrl(String key) {
        String raw = requiredString(key, 2000);
        try {
            java.net.URI uri = new java.net.URI(raw);
            if ((uri.getScheme() == null || !uri.getScheme().matches("https?")) || uri.getHost() == null) {
                throw new InvalidConfigException(prefix + key, "'" + raw + "' is not an http(s) URL with a host");
            }
            if (uri.getUserInfo() != null) {
                throw new InvalidConfigException(prefix + key, "must not carry credentials; use a key file");
            }
            return uri;
        } catch (java.net.URISyntaxException e) {
            throw new InvalidConfigException(prefix + key, "'" + raw + "' is not a URL");
        }
    }

    int integer(String key, int min, int max) {
        String raw = requiredString(key, 20);
        try {
            int value = Integer.parseInt(raw);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new InvalidConfigException(prefix + key, "'" + raw + "' is not an integer in " + min + ".." + max);
    }

    /** A size in bytes: {@code 512MiB}, {@code 2GiB}, {@code 16KiB}; KB/MB/GB are read as binary too. */
    long bytes(String key, long min, long max) {
        String raw = requiredString(key, 40);
        Matcher m = SIZE.matcher(raw);
        if (!m.matches()) {
            throw new InvalidConfigException(prefix + key, "'" + raw + "' is not a size (e.g. 512MiB, 2GiB, 16KiB)");
        }
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(java.util.Locale.ROOT);
        int shift =
                switch (unit.charAt(0)) {
                    case 'k' -> 10;
                    case 'm' -> 20;
                    case 'g' -> 30;
                    default -> 0;
                };
        long value;
        try {
            long n = Long.parseLong(m.group(1));
            if (n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            value = n << shift;
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(prefix + key, "'" + raw + "' is too large");
        }
        if (value < min || value > max) {
            throw new InvalidConfigException(prefix + key, raw + " is outside " + min + ".." + max + " bytes");
        }
        return value;
    }

    /** A path; relative ones are taken from {@code base}. */
    Path path(String key, String envVar, Path base) {
        String raw =
                stringOrEnv(key, envVar).orElseThrow(() -> new InvalidConfigException(prefix + key, "is required"));
        try {
            Path p = Path.of(raw);
            return (base == null || p.isAbsolute() ? p : base.resolve(p))
                    .toAbsolutePath()
                    .normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw new InvalidConfigException(prefix + key, "'" + raw + "' is not a valid path");
        }
    }

    List<String> strings(String key) {
        return root.get(key).asList(String.class).orElse(List.of());
    }
}
