package kmskeys.eventruler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import software.amazon.event.ruler.Machine;

/**
 * Matches event patterns against events with event-ruler, the matching engine EventBridge uses.
 *
 * <p>Reads {@code {"patterns": {"<name>": <pattern>, ...}, "events": [{"name": "...", "event": <event>}, ...]}} on
 * standard input and writes {@code {"<event name>": ["<matching pattern name>", ...], ...}} on standard output, events
 * in input order, pattern names sorted. Exit status 2: event-ruler rejected a pattern (one line on standard error names
 * it and gives event-ruler's message); 1: the input is not of that form or an event cannot be read.
 */
public final class MatchEvents {
    static final int BAD_INPUT = 1;
    static final int REJECTED_PATTERN = 2;

    private static final ObjectMapper JSON = new ObjectMapper();

    private MatchEvents() {}

    /** A failure that ends the run with one line on standard error and the given exit status. */
    static final class Failure extends Exception {
        final int status;

        Failure(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    public static void main(String[] args) {
        try {
            System.out.println(JSON.writeValueAsString(run(System.in)));
        } catch (Failure e) {
            System.err.println(e.getMessage());
            System.exit(e.status);
        } catch (IOException e) {
            System.err.println("event-ruler bridge: " + e.getMessage());
            System.exit(BAD_INPUT);
        }
    }

    static ObjectNode run(InputStream input) throws Failure {
        JsonNode request;
        try {
            request = JSON.readTree(input);
        } catch (IOException e) {
            throw new Failure(BAD_INPUT, "event-ruler bridge: standard input is not JSON: " + oneLine(e));
        }
        if (request == null || !request.path("patterns").isObject() || !request.path("events").isArray()) {
            throw new Failure(BAD_INPUT,
                    "event-ruler bridge: expected {\"patterns\": {name: pattern}, \"events\": [{name, event}]}");
        }

        Machine machine = new Machine();
        Iterator<Map.Entry<String, JsonNode>> patterns = request.get("patterns").fields();
        while (patterns.hasNext()) {
            Map.Entry<String, JsonNode> pattern = patterns.next();
            try {
                machine.addRule(pattern.getKey(), JSON.writeValueAsString(pattern.getValue()));
            } catch (Exception e) {
                // event-ruler reports bad patterns as IOException (JSON errors) or as unchecked exceptions.
                throw new Failure(REJECTED_PATTERN,
                        "event-ruler rejected pattern \"" + pattern.getKey() + "\": " + oneLine(e));
            }
        }

        ObjectNode matches = JSON.createObjectNode();
        for (JsonNode entry : request.get("events")) {
            JsonNode name = entry.path("name");
            if (!name.isTextual() || !entry.has("event")) {
                throw new Failure(BAD_INPUT, "event-ruler bridge: each event needs a string \"name\" and an \"event\"");
            }
            if (matches.has(name.asText())) {
                throw new Failure(BAD_INPUT, "event-ruler bridge: event name \"" + name.asText() + "\" is repeated");
            }
            List<String> rules;
            try {
                rules = new ArrayList<>(machine.rulesForJSONEvent(JSON.writeValueAsString(entry.get("event"))));
            } catch (Exception e) {
                throw new Failure(BAD_INPUT,
                        "event-ruler could not read event \"" + name.asText() + "\": " + oneLine(e));
            }
            Collections.sort(rules);
            ArrayNode names = matches.putArray(name.asText());
            rules.forEach(names::add);
        }
        return matches;
    }

    private static String oneLine(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        return message.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
