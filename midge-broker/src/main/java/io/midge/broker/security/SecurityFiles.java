package io.midge.broker.security;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reading the password and ACL files: UTF-8 lines, with errors that name the file and the line. */
final class SecurityFiles {
    /** Far more than any real password or ACL file; a bigger one is a mistake (or a device file). */
    private static final long MAX_BYTES = 64L * 1024 * 1024;

    private SecurityFiles() {
    }

    /** The file's lines, without line ends ({@code \n} or {@code \r\n}). */
    static List<String> readLines(Path file, String what) {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new SecurityFileException(file, "the " + what + " is larger than " + MAX_BYTES + " bytes", null);
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new SecurityFileException(file, "cannot read the " + what + ": " + e, e);
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            int length = end - start;
            if (length > 0 && bytes[end - 1] == '\r') {
                length--;
            }
            try {
                lines.add(utf8.decode(ByteBuffer.wrap(bytes, start, length)).toString());
            } catch (CharacterCodingException e) {
                throw new SecurityFileException(file, lines.size() + 1, "not valid UTF-8");
            }
            start = end + 1;
        }
        return lines;
    }
}
