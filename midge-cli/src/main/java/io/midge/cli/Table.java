package io.midge.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A table as {@code midge clients} and {@code midge retained} print it: a header line, then one line per row, columns
 * two spaces apart and as wide as their widest cell, numbers aligned right, {@code -} for a missing value. Control
 * characters in a cell are escaped so that a client identifier or payload cannot break the lines.
 */
final class Table {
    private final List<String> headers;
    /** Per column: true when every cell is a number or missing, false when one is not, null while all are missing. */
    private final List<Boolean> numeric = new ArrayList<>();
    private final List<String[]> rows = new ArrayList<>();

    Table(String... headers) {
        this.headers = List.of(headers);
    }

    /** One row, a cell per header; {@code null} prints as {@code -}, a {@link Number} aligns right. */
    Table row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException(headers.size() + " cells expected, not " + cells.length);
        }
        String[] row = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            row[i] = cells[i] == null ? "-" : printable(cells[i].toString());
            if (numeric.size() <= i) {
                numeric.add(null); // not known until a cell holds something
            }
            if (cells[i] != null && !Boolean.FALSE.equals(numeric.get(i))) {
                numeric.set(i, cells[i] instanceof Number);
            }
        }
        rows.add(row);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    void print(PrintWriter out) {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = width(headers.get(i));
            for (String[] row : rows) {
                widths[i] = Math.max(widths[i], width(row[i]));
            }
        }
        out.println(line(headers.toArray(String[]::new), widths));
        for (String[] row : rows) {
            out.println(line(row, widths));
        }
        out.flush();
    }

    private String line(String[] cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                line.append("  ");
            }
            String pad = " ".repeat(widths[i] - width(cells[i]));
            boolean right = i < numeric.size() && Boolean.TRUE.equals(numeric.get(i));
            line.append(right ? pad + cells[i] : cells[i] + (i == cells.length - 1 ? "" : pad));
        }
        return line.toString();
    }

    private static int width(String s) {
        return s.codePointCount(0, s.length());
    }

    /** The text with control characters written as escapes ({@code \n}, {@code \t}, {@code \u001b}, ...). */
    static String printable(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isISOControl(c)) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out == null ? s : out.toString();
    }
}
