package com.strongroom.ingest;

import java.time.Duration;

/**
 * What one document's extraction may still spend: characters of output and time. Each format's
 * extractor builds its text in a {@link BoundedText} from here and calls {@link #check()} in its
 * loops, so a document that would grow far beyond its bytes, or take longer than the budget,
 * stops with a readable reason instead of exhausting the heap or holding the ingest worker.
 */
final class ExtractionBudget {
    private static final int CHECK_EVERY_CHARS = 16 * 1024;

    private final long maxChars;
    private final String limitReason;
    private final Duration time;
    private final long deadlineNanos;

    ExtractionBudget(long maxChars, String limitReason, Duration time) {
        this.maxChars = maxChars;
        this.limitReason = limitReason;
        this.time = time;
        this.deadlineNanos = System.nanoTime() + time.toNanos();
    }

    long maxChars() {
        return maxChars;
    }

    BoundedText newText() {
        return new BoundedText(this);
    }

    /** Fails when the time is up, or when the thread was told to stop (the budget ran out). */
    void check() {
        if (System.nanoTime() - deadlineNanos > 0 || Thread.currentThread().isInterrupted()) {
            throw timedOut(time);
        }
    }

    UnreadableDocumentException overLimit() {
        return new UnreadableDocumentException(limitReason);
    }

    static UnreadableDocumentException timedOut(Duration time) {
        return new UnreadableDocumentException("Extracting the document's text took longer than the budget of "
                + describe(time) + " per document; it is refused.");
    }

    static String describe(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    /** Text under construction, refused past the budget's characters; checks the clock as it grows. */
    static final class BoundedText {
        private final ExtractionBudget budget;
        private final StringBuilder text = new StringBuilder();
        private long sinceCheck;

        private BoundedText(ExtractionBudget budget) {
            this.budget = budget;
        }

        BoundedText append(CharSequence s) {
            grow(s.length());
            text.append(s);
            return this;
        }

        BoundedText append(char c) {
            grow(1);
            text.append(c);
            return this;
        }

        private void grow(int n) {
            if (text.length() + (long) n > budget.maxChars) {
                throw budget.overLimit();
            }
            sinceCheck += n;
            if (sinceCheck >= CHECK_EVERY_CHARS) {
                sinceCheck = 0;
                budget.check();
            }
        }

        int length() {
            return text.length();
        }

        boolean isEmpty() {
            return text.isEmpty();
        }

        char charAt(int i) {
            return text.charAt(i);
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }
}
