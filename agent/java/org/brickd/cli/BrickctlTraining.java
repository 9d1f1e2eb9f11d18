package org.brickd.cli;

import java.io.PrintWriter;

/** What the class-data-sharing training run (daemon/CdsTraining) makes brickctl load: its command tree and help. */
public final class BrickctlTraining {

    private BrickctlTraining() {}

    public static void help(PrintWriter out) {
        for (String[] args : new String[][] {{"--help"}, {"check", "--help"}, {"inventory", "--help"}}) {
            picocli.CommandLine cl = Brickctl.commandLine();
            cl.setOut(out);
            cl.setErr(out);
            cl.execute(args);
        }
    }
}
