package org.drmsbatch.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import picocli.CommandLine.Command;

/**
 * {@code drms hash-password}: reads a password (typed without echo, or the first line of standard input) and
 * prints it hashed ({@code {bcrypt}…}) for {@code drms.security.users.<name>.password}. Needs no database.
 */
@Command(name = "hash-password", mixinStandardHelpOptions = true,
        description = "Hash a password for drms.security.users (reads it from the terminal or standard input).")
public class HashPasswordCommand implements Callable<Integer> {

    /** Shortest password accepted. */
    static final int MIN_LENGTH = 8;

    @Override
    public Integer call() throws IOException {
        String password;
        Console console = System.console();
        if (console != null) {
            char[] typed = console.readPassword("password: ");
            char[] again = console.readPassword("again: ");
            if (typed == null || again == null || !java.util.Arrays.equals(typed, again)) {
                throw new DrmsCommand.UserError("the two passwords differ");
            }
            password = new String(typed);
        } else {
            password = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
        if (password == null || password.length() < MIN_LENGTH) {
            throw new DrmsCommand.UserError("give a password of at least " + MIN_LENGTH + " characters");
        }
        System.out.println(PasswordEncoderFactories.createDelegatingPasswordEncoder().encode(password));
        return DrmsCommand.OK;
    }
}
