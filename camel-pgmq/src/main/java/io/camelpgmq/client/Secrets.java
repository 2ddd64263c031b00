package io.camelpgmq.client;

import java.util.regex.Pattern;

/** Masks the secrets a JDBC URL can carry, so that no message or log line ever shows a password. */
public final class Secrets {

    static final String MASK = "xxxxxx";
    // password=... in a URL query or a connection-property list, up to the next separator
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)(password\\s*=\\s*)[^&;\\s]*");
    // scheme://user:secret@host (user-info form)
    private static final Pattern USER_INFO = Pattern.compile("(//[^/:@\\s]*:)[^@/\\s]*@");

    private Secrets() {
    }

    /** The text with every {@code password=...} value and URL user-info password replaced by {@code xxxxxx}. */
    public static String mask(String text) {
        if (text == null) {
            return null;
        }
        String masked = PASSWORD_PARAMETER.matcher(text).replaceAll("$1" + MASK);
        return USER_INFO.matcher(masked).replaceAll("$1" + MASK + "@");
    }
}
