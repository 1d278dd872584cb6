package com.strongroom.ingest;

import com.strongroom.ingest.ExtractionBudget.BoundedText;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * CSV (or TSV, or semicolon-separated) as one line per row, cells joined by {@code " | "}.
 * Quoted cells (RFC 4180: doubled quotes, separators and line breaks inside quotes) are understood.
 */
final class CsvText {
    private CsvText() {}

    static String extract(String csv, Map<String, Object> properties, ExtractionBudget budget) {
        char separator = separator(csv);
        BoundedText out = budget.newText();
        List<String> row = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        long rows = 0;
        int i = 0;
        while (i < csv.length()) {
            char c = csv.charAt(i++);
            if ((i & 0xFFFF) == 0) {
                budget.check();
            }
            if (quoted) {
                if (c == '"') {
                    if (i < csv.length() && csv.charAt(i) == '"') {
                        cell.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    cell.append(c == '\r' || c == '\n' ? ' ' : c);
                }
            } else if (c == '"' && cell.isEmpty()) {
                quoted = true;
            } else if (c == separator) {
                row.add(cell.toString().strip());
                cell.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i < csv.length() && csv.charAt(i) == '\n') {
                    i++;
                }
                rows += endRow(out, row, cell);
            } else {
                cell.append(c);
            }
        }
        rows += endRow(out, row, cell);
        properties.put("row_count", rows);
        return out.toString();
    }

    private static int endRow(BoundedText out, List<String> row, StringBuilder cell) {
        row.add(cell.toString().strip());
        cell.setLength(0);
        boolean empty = row.stream().allMatch(String::isEmpty);
        if (!empty) {
            for (int i = 0; i < row.size(); i++) {
                if (i > 0) {
                    out.append(" | ");
                }
                out.append(row.get(i));
            }
            out.append('\n');
        }
        row.clear();
        return empty ? 0 : 1;
    }

    /** The most frequent of comma, semicolon and tab outside quotes on the first line. */
    static char separator(String csv) {
        int comma = 0;
        int semicolon = 0;
        int tab = 0;
        boolean quoted = false;
        for (int i = 0; i < csv.length(); i++) {
            char c = csv.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && (c == '\n' || c == '\r')) {
                break;
            } else if (!quoted) {
                switch (c) {
                    case ',' -> comma++;
                    case ';' -> semicolon++;
                    case '\t' -> tab++;
                    default -> {}
                }
            }
        }
        if (tab > comma && tab >= semicolon) {
            return '\t';
        }
        return semicolon > comma ? ';' : ',';
    }
}
