package dev.herald.apps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.settings.SettingType;
import dev.herald.settings.Storage;
import dev.herald.settings.Types;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * An app's history rules (docs/recovery.md): in the apps file a list of {@code {channels, size,
 * ttl_seconds}} mappings, in the table and in {@code --set} the same as a JSON array, and on the
 * command line comma-separated prefixes, each a rule of the default size and age ({@code
 * config.ConfigLoader} gives the default app's rules the size and age of their own flags).
 *
 * <p>Every way in is checked here, naming the place, so that a refusal says which rule and which
 * key is wrong: the bounds of {@link HistoryRule}, unknown keys, and a rule that can never apply
 * because an earlier prefix already matches its channels.
 */
final class HistoryRulesType implements SettingType<List<HistoryRule>> {

    static final HistoryRulesType INSTANCE = new HistoryRulesType();

    private static final Set<String> KEYS = Set.of("channels", "size", "ttl_seconds");
    private static final String SHAPE = "{channels, size, ttl_seconds}";

    /** Characters of a channel name (docs/protocol.md §3.1), and {@code #} of server-to-user. */
    private static final String NAME_CHARACTERS = "_-=@,.;#";

    private HistoryRulesType() {}

    @Override
    public String requirement() {
        return "a list of " + SHAPE + " (as text, a JSON array)";
    }

    @Override
    public Class<?> flagType() {
        return List.class;
    }

    @Override
    public Class<?> flagElementType() {
        return String.class;
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<HistoryRule> fromFlag(Object raw, String where) {
        if (raw == null) {
            return List.of();
        }
        List<String> prefixes =
                ((List<String>) raw).stream().map(String::trim).filter(p -> !p.isEmpty()).toList();
        if (prefixes.size() > HistoryRule.MAX_RULES) {
            throw new IllegalArgumentException(
                    where
                            + " has "
                            + prefixes.size()
                            + " prefixes; at most "
                            + HistoryRule.MAX_RULES);
        }
        List<HistoryRule> rules = new ArrayList<>();
        for (String prefix : prefixes) {
            String problem = prefixProblem(prefix);
            if (problem != null) {
                throw new IllegalArgumentException(where + ": prefix '" + prefix + "' " + problem);
            }
            rules.add(
                    new HistoryRule(
                            prefix, HistoryRule.DEFAULT_SIZE, HistoryRule.DEFAULT_TTL_SECONDS));
        }
        IntFunction<String> name = i -> "prefix '" + rules.get(i).channels() + "'";
        String shadowed = shadowed(rules, name, name);
        if (shadowed != null) {
            throw new IllegalArgumentException(where + ": " + shadowed);
        }
        return rules;
    }

    @Override
    public List<HistoryRule> fromYaml(JsonNode node, String where) {
        return read(node, where, false);
    }

    /** {@code --set history=[{"channels":"private-build-","size":200}]}; empty text: none. */
    @Override
    public List<HistoryRule> fromText(String text, String where) {
        JsonNode root = Types.parseJson(text, where);
        return root == null ? List.of() : read(root, where, true);
    }

    /**
     * The {@code --set} form (a JSON array with every key), or empty for none: what {@code herald
     * apps list} and the console show, and what they take back.
     */
    @Override
    public String text(List<HistoryRule> value) {
        return value.isEmpty() ? "" : json(value);
    }

    @Override
    public Storage storage() {
        return Storage.TEXT;
    }

    @Override
    public Object toStored(List<HistoryRule> value) {
        return json(value);
    }

    @Override
    public List<HistoryRule> fromStored(Object stored, String where) {
        JsonNode root = Types.parseJson((String) stored, where);
        return root == null ? List.of() : read(root, where, true);
    }

    private static String json(List<HistoryRule> rules) {
        ArrayNode array = Types.JSON.createArrayNode();
        for (HistoryRule rule : rules) {
            ObjectNode node = array.addObject();
            node.put("channels", rule.channels());
            node.put("size", rule.size());
            node.put("ttl_seconds", rule.ttlSeconds());
        }
        return array.toString();
    }

    /** The same structure from YAML or JSON; each refusal uses that language's words. */
    private static List<HistoryRule> read(JsonNode list, String where, boolean json) {
        if (!list.isArray()) {
            throw new IllegalArgumentException(
                    where + (json ? " must be a JSON array of " : " must be a list of ") + SHAPE);
        }
        if (list.size() > HistoryRule.MAX_RULES) {
            throw new IllegalArgumentException(
                    where + " has " + list.size() + " rules; at most " + HistoryRule.MAX_RULES);
        }
        List<HistoryRule> rules = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            rules.add(rule(list.get(i), where + "[" + i + "]", json));
        }
        // the earlier rule is named without the place, which the first name already gives
        String shadowed =
                shadowed(
                        rules,
                        i -> where + "[" + i + "] (channels '" + rules.get(i).channels() + "')",
                        j -> "history[" + j + "] (channels '" + rules.get(j).channels() + "')");
        if (shadowed != null) {
            throw new IllegalArgumentException(shadowed);
        }
        return rules;
    }

    private static HistoryRule rule(JsonNode node, String at, boolean json) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(
                    at
                            + (json ? " must be an object " : " must be a mapping ")
                            + SHAPE
                            + ", got "
                            + node);
        }
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                unknown.add("'" + key + "'");
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(
                    at
                            + ": unknown key"
                            + (unknown.size() == 1 ? " " : "s ")
                            + String.join(", ", unknown)
                            + "; known keys: channels, size, ttl_seconds");
        }
        JsonNode channels = node.get("channels");
        if (channels == null || !channels.isTextual()) {
            throw new IllegalArgumentException(
                    at
                            + ".channels is required and must be a string: a channel name prefix"
                            + (channels == null ? "" : ", got " + channels));
        }
        String prefix = channels.asText();
        String problem = prefixProblem(prefix);
        if (problem != null) {
            throw new IllegalArgumentException(at + ".channels " + problem);
        }
        int size =
                number(
                        node.get("size"),
                        at + ".size",
                        HistoryRule.DEFAULT_SIZE,
                        HistoryRule.MAX_SIZE);
        int ttl =
                number(
                        node.get("ttl_seconds"),
                        at + ".ttl_seconds",
                        HistoryRule.DEFAULT_TTL_SECONDS,
                        HistoryRule.MAX_TTL_SECONDS);
        return new HistoryRule(prefix, size, ttl);
    }

    /** A whole number from 1 to {@code max}; absent (or JSON null) is the default. */
    private static int number(JsonNode node, String at, int absent, int max) {
        if (node == null || node.isNull()) {
            return absent;
        }
        if (!node.isIntegralNumber()
                || !node.canConvertToInt()
                || node.asInt() < 1
                || node.asInt() > max) {
            throw new IllegalArgumentException(
                    at + " must be a whole number from 1 to " + max + ", got " + node);
        }
        return node.asInt();
    }

    /**
     * Why a prefix is refused, or {@code null}: at most {@link HistoryRule#MAX_PREFIX_LENGTH}
     * characters of a channel name. A prefix is matched as it is, so a character no channel name
     * has ({@code *}, a space) would make a rule that never applies.
     */
    static String prefixProblem(String prefix) {
        if (prefix.length() > HistoryRule.MAX_PREFIX_LENGTH) {
            return "is "
                    + prefix.length()
                    + " characters long; at most "
                    + HistoryRule.MAX_PREFIX_LENGTH;
        }
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            boolean allowed =
                    (c >= 'a' && c <= 'z')
                            || (c >= 'A' && c <= 'Z')
                            || (c >= '0' && c <= '9')
                            || NAME_CHARACTERS.indexOf(c) >= 0;
            if (!allowed) {
                return "contains '"
                        + c
                        + "', which no channel name has (A-Z a-z 0-9 _ - = @ , . ; #): a prefix is "
                        + "matched as written, without wildcards";
            }
        }
        return null;
    }

    /**
     * Why a rule can never apply, or {@code null}: the first rule that matches decides, so a rule
     * after one whose prefix starts its own prefix (or equals it) is never reached.
     */
    private static String shadowed(
            List<HistoryRule> rules, IntFunction<String> name, IntFunction<String> earlier) {
        for (int i = 1; i < rules.size(); i++) {
            String prefix = rules.get(i).channels();
            for (int j = 0; j < i; j++) {
                if (prefix.startsWith(rules.get(j).channels())) {
                    return name.apply(i)
                            + " never applies: "
                            + earlier.apply(j)
                            + " matches its channels first (the first rule that matches decides); "
                            + "put the longer prefix first";
                }
            }
        }
        return null;
    }
}
