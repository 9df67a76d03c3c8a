package io.pymem4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A text table with left-aligned columns two spaces apart; the last column is not padded. A
 * heading row of blanks is not printed, so a table can also align label/value pairs.
 */
final class Table {

    private final List<String[]> rows = new ArrayList<>();

    Table(String... headings) {
        rows.add(headings);
    }

    Table row(String... cells) {
        rows.add(cells);
        return this;
    }

    void print(PrintWriter out, String indent) {
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns - 1; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        boolean headed = !String.join("", rows.get(0)).isBlank();
        for (String[] row : headed ? rows : rows.subList(1, rows.size())) {
            StringBuilder line = new StringBuilder(indent);
            for (int c = 0; c < columns - 1; c++) {
                line.append(row[c]).append(" ".repeat(width[c] - row[c].length() + 2));
            }
            line.append(row[columns - 1]);
            out.println(line.toString().stripTrailing());
        }
    }
}
