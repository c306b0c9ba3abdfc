package io.midge.broker.security;

import java.nio.file.Path;

/**
 * A password or ACL file that cannot be used. The message names the file and, when the problem is on one line,
 * that line: {@code /etc/midge/passwd:3: duplicate user 'alice' (first on line 1)}.
 */
public final class SecurityFileException extends RuntimeException {
    public SecurityFileException(Path file, int line, String problem) {
        super(file + ":" + line + ": " + problem);
    }

    public SecurityFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
