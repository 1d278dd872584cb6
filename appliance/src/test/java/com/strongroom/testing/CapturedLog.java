package com.strongroom.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * Every log record of this JVM, while open, appended to a file in the format {@code Main} sets for
 * {@code serve} (one line per record, ISO time first, the stack trace after it): what a test reads
 * to find a secret that leaked into the log of an appliance serving in this JVM.
 */
final class CapturedLog implements AutoCloseable {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final Handler handler;

    private CapturedLog(Handler handler) {
        this.handler = handler;
    }

    static CapturedLog to(Path file) {
        OutputStream out;
        try {
            out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StreamHandler handler = new StreamHandler(out, new ServeFormat()) {
            @Override
            public synchronized void publish(LogRecord record) {
                super.publish(record);
                flush(); // a test reads the file while the appliance runs
            }
        };
        try {
            handler.setEncoding(StandardCharsets.UTF_8.name());
        } catch (java.io.UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
        }
        Logger.getLogger("").addHandler(handler);
        return new CapturedLog(handler);
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(handler);
        handler.close();
    }

    /** %1$tFT%1$tT.%1$tLZ %4$s %3$s: %5$s%6$s%n, as Main sets for SimpleFormatter. */
    private static final class ServeFormat extends Formatter {
        @Override
        public String format(LogRecord r) {
            String thrown = "";
            if (r.getThrown() != null) {
                java.io.StringWriter sw = new java.io.StringWriter();
                java.io.PrintWriter pw = new java.io.PrintWriter(sw);
                pw.println();
                r.getThrown().printStackTrace(pw);
                pw.close();
                thrown = sw.toString();
            }
            return TIME.format(Instant.ofEpochMilli(r.getMillis())) + " "
                    + r.getLevel().getLocalizedName() + " " + r.getLoggerName() + ": " + formatMessage(r) + thrown
                    + System.lineSeparator();
        }
    }
}
