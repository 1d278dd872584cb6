package com.strongroom.keys;

import java.util.logging.Level;
import java.util.logging.Logger;
import org.xipki.pkcs11.wrapper.StaticLogger;

/** Routes the PKCS#11 wrapper's chatter (licence banners, every C_ call) to JUL at FINE. */
final class Pkcs11Logging implements org.xipki.pkcs11.wrapper.Logger {
    private static final Logger LOG = Logger.getLogger("com.strongroom.keys.pkcs11");

    static void install() {
        StaticLogger.setLogger(new Pkcs11Logging());
    }

    private static void log(Level level, String format, Object... args) {
        if (LOG.isLoggable(level)) {
            LOG.log(level, format.replace("{}", "%s").formatted(args));
        }
    }

    @Override
    public void info(String format, Object... args) {
        log(Level.FINE, format, args);
    }

    @Override
    public void warn(String format, Object... args) {
        log(Level.FINE, format, args);
    }

    @Override
    public void error(String format, Object... args) {
        log(Level.FINE, format, args);
    }

    @Override
    public void debug(String format, Object... args) {
        log(Level.FINEST, format, args);
    }

    @Override
    public void trace(String format, Object... args) {
        log(Level.FINEST, format, args);
    }

    @Override
    public boolean isDebugEnabled() {
        return LOG.isLoggable(Level.FINEST);
    }

    @Override
    public boolean isInfoEnabled() {
        return LOG.isLoggable(Level.FINE);
    }

    @Override
    public boolean isWarnEnabled() {
        return LOG.isLoggable(Level.FINE);
    }

    @Override
    public boolean isTraceEnabled() {
        return LOG.isLoggable(Level.FINEST);
    }
}
