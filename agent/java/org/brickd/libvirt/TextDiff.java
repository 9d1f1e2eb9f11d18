package org.brickd.libvirt;

import java.util.ArrayList;
import java.util.List;

/**
 * A unified diff of two texts by lines, with {@value #CONTEXT} lines of context, for an
 * operator to read before a definition is replaced. The common head and tail are trimmed
 * first, so the quadratic part only sees the edited region.
 */
public final class TextDiff {

    static final int CONTEXT = 2;
    private static final long MAX_CELLS = 4_000_000L;

    private TextDiff() {}

    public static String unified(String fromName, String toName, String a, String b) {
        List<String> x = a.lines().toList();
        List<String> y = b.lines().toList();
        List<Op> ops = ops(x, y);
        if (ops.stream().allMatch(o -> o.kind == ' ')) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        out.append("--- ").append(fromName).append('\n').append("+++ ").append(toName).append('\n');
        int i = 0;
        while (i < ops.size()) {
            if (ops.get(i).kind == ' ') {
                i++;
                continue;
            }
            int start = Math.max(0, i - CONTEXT);
            int end = i;
            // extend the hunk while the next change is within 2*CONTEXT unchanged lines
            while (end < ops.size()) {
                int next = end;
                while (next < ops.size() && ops.get(next).kind != ' ') {
                    next++;
                }
                int gap = next;
                while (gap < ops.size() && ops.get(gap).kind == ' ') {
                    gap++;
                }
                if (gap < ops.size() && gap - next <= 2 * CONTEXT) {
                    end = gap;
                } else {
                    end = Math.min(ops.size(), next + CONTEXT);
                    break;
                }
            }
            hunk(out, ops.subList(start, end));
            i = end;
        }
        return out.toString();
    }

    private record Op(char kind, String line, int aLine, int bLine) {}

    private static void hunk(StringBuilder out, List<Op> h) {
        int aStart = h.get(0).aLine;
        int bStart = h.get(0).bLine;
        long aCount = h.stream().filter(o -> o.kind != '+').count();
        long bCount = h.stream().filter(o -> o.kind != '-').count();
        out.append("@@ -").append(aStart + 1).append(',').append(aCount).append(" +").append(bStart + 1).append(',')
                .append(bCount).append(" @@\n");
        for (Op o : h) {
            out.append(o.kind).append(o.line).append('\n');
        }
    }

    private static List<Op> ops(List<String> a, List<String> b) {
        int head = 0;
        while (head < a.size() && head < b.size() && a.get(head).equals(b.get(head))) {
            head++;
        }
        int tail = 0;
        while (tail < a.size() - head && tail < b.size() - head
                && a.get(a.size() - 1 - tail).equals(b.get(b.size() - 1 - tail))) {
            tail++;
        }
        List<String> am = a.subList(head, a.size() - tail);
        List<String> bm = b.subList(head, b.size() - tail);
        List<Op> out = new ArrayList<>();
        for (int i = 0; i < head; i++) {
            out.add(new Op(' ', a.get(i), i, i));
        }
        int n = am.size();
        int m = bm.size();
        if ((long) n * m > MAX_CELLS) {
            // too big to align: show the whole middle as replaced, which is still a correct diff
            for (int i = 0; i < n; i++) {
                out.add(new Op('-', am.get(i), head + i, head));
            }
            for (int j = 0; j < m; j++) {
                out.add(new Op('+', bm.get(j), head + n, head + j));
            }
        } else {
            int[][] lcs = new int[n + 1][m + 1];
            for (int i = n - 1; i >= 0; i--) {
                for (int j = m - 1; j >= 0; j--) {
                    lcs[i][j] = am.get(i).equals(bm.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
                }
            }
            int i = 0;
            int j = 0;
            while (i < n || j < m) {
                if (i < n && j < m && am.get(i).equals(bm.get(j))) {
                    out.add(new Op(' ', am.get(i), head + i, head + j));
                    i++;
                    j++;
                } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
                    out.add(new Op('-', am.get(i), head + i, head + j));
                    i++;
                } else {
                    out.add(new Op('+', bm.get(j), head + i, head + j));
                    j++;
                }
            }
        }
        for (int k = 0; k < tail; k++) {
            int ai = a.size() - tail + k;
            int bi = b.size() - tail + k;
            out.add(new Op(' ', a.get(ai), ai, bi));
        }
        return out;
    }
}
