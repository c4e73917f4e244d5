package dev.herald.example.ci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.example.ci.Model.Build;
import dev.herald.example.ci.Model.LogLine;
import dev.herald.example.ci.Model.Project;
import dev.herald.example.ci.Model.User;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Server-rendered HTML. The markup of a build row here and in {@code static/app.js} ({@code
 * renderRow}) is the same, so rows pushed later look like rows rendered first.
 */
final class Pages {
    /**
     * Herald's pusher-js add-on, {@code clients/pusher-js-recovery/index.js} of the repository,
     * copied into the jar by the build: app.js enables it before subscribing.
     */
    static final String RECOVERY_SCRIPT = "/static/vendor/herald-recovery/index.js";

    private final Config config;
    private final ObjectMapper json;

    Pages(Config config, ObjectMapper json) {
        this.config = config;
        this.json = json;
    }

    // ---- pages -------------------------------------------------------------------------------

    String login(List<User> users, List<Project> projects, Map<String, List<String>> access) {
        StringBuilder body = new StringBuilder();
        body.append("<div class=\"login\"><h1>Sign in</h1>")
                .append(
                        "<p class=\"sub\">A demo: pick a user. Each one sees different projects.</p>")
                .append("<form method=\"post\" action=\"/login\" class=\"user-list\">");
        for (User u : users) {
            List<String> theirs = access.getOrDefault(u.login(), List.of());
            body.append("<button type=\"submit\" name=\"user\" value=\"")
                    .append(esc(u.login()))
                    .append("\" class=\"user-choice\" id=\"login-")
                    .append(esc(u.login()))
                    .append("\">")
                    .append("<span class=\"avatar\">")
                    .append(esc(u.name().substring(0, 1)))
                    .append("</span>")
                    .append("<span><strong>")
                    .append(esc(u.name()))
                    .append("</strong>")
                    .append("<span class=\"meta\">")
                    .append(esc(String.join(", ", theirs)))
                    .append("</span></span>")
                    .append("</button>");
        }
        body.append("</form></div>");
        return layout("Sign in", null, "login", Map.of(), body.toString());
    }

    String dashboard(
            User user, List<Project> projects, List<Build> recent, List<Build> latestPerProject) {
        Map<Long, Build> latest = new LinkedHashMap<>();
        latestPerProject.forEach(b -> latest.put(b.projectId(), b));
        StringBuilder body = new StringBuilder();
        body.append(
                        "<div class=\"page-head\"><div><h1>Dashboard</h1><p class=\"sub\">Last 10 builds across your ")
                .append(projects.size())
                .append(projects.size() == 1 ? " project" : " projects")
                .append(", updated live</p></div></div>");
        body.append("<div class=\"grid\"><section class=\"card\"><h2>Recent builds</h2>");
        buildTable(body, recent, true);
        body.append(
                "</section><aside class=\"card\"><h2>Your projects</h2><ul class=\"projects\" id=\"projects\">");
        for (Project p : projects) {
            Build b = latest.get(p.id());
            body.append("<li id=\"project-")
                    .append(p.id())
                    .append("\" data-project-id=\"")
                    .append(p.id())
                    .append("\"><a href=\"/projects/")
                    .append(p.id())
                    .append("\">")
                    .append(esc(p.name()))
                    .append("</a><span class=\"latest\" data-build-no=\"")
                    .append(b == null ? 0 : b.number())
                    .append("\">");
            if (b != null) {
                body.append(badge(b))
                        .append(" <a class=\"meta\" href=\"/builds/")
                        .append(b.id())
                        .append("\">#")
                        .append(b.number())
                        .append("</a>");
            } else {
                body.append("<span class=\"meta\">no builds</span>");
            }
            body.append("</span></li>");
        }
        body.append("</ul></aside></div>");
        List<Long> ids = new ArrayList<>();
        projects.forEach(p -> ids.add(p.id()));
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("page", "dashboard");
        page.put("projectIds", ids);
        page.put("limit", 10);
        page.put("since", maxUpdated(recent));
        return layout("Dashboard", user, "dashboard", page, body.toString());
    }

    String project(User user, Project project, List<Build> builds) {
        StringBuilder body = new StringBuilder();
        body.append(
                        "<div class=\"page-head\"><div><p class=\"crumbs\"><a href=\"/\">Dashboard</a> / project</p>")
                .append("<h1>")
                .append(esc(project.name()))
                .append("</h1><p class=\"sub\">")
                .append(esc(project.repo()))
                .append("</p></div>")
                .append("<form method=\"post\" action=\"/projects/")
                .append(project.id())
                .append(
                        "/builds\" id=\"start-build\"><button type=\"submit\" class=\"btn\">Start build</button></form>")
                .append("</div>");
        body.append("<section class=\"card\"><h2>Builds</h2>");
        buildTable(body, builds, false);
        body.append("</section>");
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("page", "project");
        page.put("projectIds", List.of(project.id()));
        page.put("projectId", project.id());
        page.put("limit", 25);
        page.put("since", maxUpdated(builds));
        return layout(project.name(), user, "project", page, body.toString());
    }

    String build(User user, Build b, List<LogLine> lines) {
        StringBuilder body = new StringBuilder();
        body.append(
                        "<div class=\"page-head\"><div><p class=\"crumbs\"><a href=\"/\">Dashboard</a> / <a href=\"/projects/")
                .append(b.projectId())
                .append("\">")
                .append(esc(b.projectName()))
                .append("</a> / build</p>")
                .append("<h1>")
                .append(esc(b.projectName()))
                .append(" #")
                .append(b.number())
                .append(" <span class=\"light\">")
                .append(esc(b.message()))
                .append("</span></h1>")
                .append("<p class=\"sub\"><span class=\"branch\">")
                .append(esc(b.branch()))
                .append("</span> · <code>")
                .append(esc(b.commit()))
                .append("</code> · ")
                .append(esc(b.author()))
                .append(" · started ")
                .append("<span class=\"ago\" data-ts=\"")
                .append(b.startedAt())
                .append("\">")
                .append(ago(b.startedAt()))
                .append("</span> · <span class=\"duration\" data-started=\"")
                .append(b.startedAt())
                .append("\" data-finished=\"")
                .append(b.finishedAt() == null ? "" : b.finishedAt())
                .append("\">")
                .append(duration(b))
                .append("</span></p></div>")
                .append("<span id=\"build-status\" data-status=\"")
                .append(b.status())
                .append("\">")
                .append(badge(b))
                .append("</span></div>");
        body.append(
                        "<section class=\"card log-card\"><div class=\"log-head\"><h2>Output</h2><span class=\"meta\" id=\"line-count\">")
                .append(lines.size())
                .append(lines.size() == 1 ? " line" : " lines")
                .append("</span></div>")
                .append("<div class=\"log\" id=\"log\" data-last-line=\"")
                .append(lines.isEmpty() ? 0 : lines.get(lines.size() - 1).n())
                .append("\">");
        for (LogLine l : lines) {
            body.append("<div class=\"line")
                    .append(lineClass(l.text()))
                    .append("\" data-n=\"")
                    .append(l.n())
                    .append("\"><span class=\"ln\">")
                    .append(l.n())
                    .append("</span><span class=\"tx\">")
                    .append(esc(l.text()))
                    .append("</span></div>");
        }
        body.append("</div></section>");
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("page", "build");
        page.put("buildId", b.id());
        page.put("projectId", b.projectId());
        page.put("lastLine", lines.isEmpty() ? 0 : lines.get(lines.size() - 1).n());
        page.put("build", b);
        return layout(b.projectName() + " #" + b.number(), user, "build", page, body.toString());
    }

    String notFound(User user) {
        return layout(
                "Not found",
                user,
                "error",
                Map.of(),
                "<div class=\"page-head\"><div><h1>Not found</h1><p class=\"sub\">There is nothing here, or it is not "
                        + "yours to see. <a href=\"/\">Back to the dashboard</a></p></div></div>");
    }

    // ---- pieces ------------------------------------------------------------------------------

    private void buildTable(StringBuilder sb, List<Build> builds, boolean withProject) {
        sb.append("<table class=\"builds\" id=\"builds\" data-with-project=\"")
                .append(withProject)
                .append("\">")
                .append("<thead><tr><th>Status</th>")
                .append(withProject ? "<th>Project</th>" : "")
                .append(
                        "<th>Build</th><th>Commit</th><th>Started</th><th>Duration</th></tr></thead><tbody>");
        for (Build b : builds) {
            row(sb, b, withProject);
        }
        sb.append("</tbody></table><p class=\"empty\" id=\"no-builds\"")
                .append(builds.isEmpty() ? "" : " hidden")
                .append(">No builds yet.</p>");
    }

    /** Must match renderRow() in app.js. */
    private void row(StringBuilder sb, Build b, boolean withProject) {
        sb.append("<tr id=\"build-")
                .append(b.id())
                .append("\" data-build-id=\"")
                .append(b.id())
                .append("\" data-project-id=\"")
                .append(b.projectId())
                .append("\" data-status=\"")
                .append(b.status())
                .append("\" data-updated-at=\"")
                .append(b.updatedAt())
                .append("\">")
                .append("<td>")
                .append(badge(b))
                .append("</td>");
        if (withProject) {
            sb.append("<td><a href=\"/projects/")
                    .append(b.projectId())
                    .append("\">")
                    .append(esc(b.projectName()))
                    .append("</a></td>");
        }
        sb.append("<td><a href=\"/builds/")
                .append(b.id())
                .append("\">#")
                .append(b.number())
                .append("</a></td>")
                .append("<td class=\"commit\"><div class=\"msg\">")
                .append(esc(b.message()))
                .append("</div>")
                .append("<div class=\"meta\"><span class=\"branch\">")
                .append(esc(b.branch()))
                .append("</span> · <code>")
                .append(esc(b.commit()))
                .append("</code> · ")
                .append(esc(b.author()))
                .append("</div></td>")
                .append("<td class=\"ago\" data-ts=\"")
                .append(b.startedAt())
                .append("\">")
                .append(ago(b.startedAt()))
                .append("</td><td class=\"duration\" data-started=\"")
                .append(b.startedAt())
                .append("\" data-finished=\"")
                .append(b.finishedAt() == null ? "" : b.finishedAt())
                .append("\">")
                .append(duration(b))
                .append("</td></tr>");
    }

    private static String badge(Build b) {
        return "<span class=\"badge status-" + b.status() + "\">" + b.status() + "</span>";
    }

    static String lineClass(String text) {
        if (text.startsWith("[ERROR]") || text.contains("BUILD FAILURE")) {
            return " err";
        }
        if (text.contains("BUILD SUCCESS")) {
            return " ok";
        }
        if (text.startsWith("$ ")) {
            return " cmd";
        }
        return "";
    }

    private static long maxUpdated(List<Build> builds) {
        return builds.stream().mapToLong(Build::updatedAt).max().orElse(0);
    }

    static String ago(long ts) {
        long s = Math.max(0, (System.currentTimeMillis() - ts) / 1000);
        if (s < 5) {
            return "just now";
        }
        if (s < 60) {
            return s + "s ago";
        }
        if (s < 3600) {
            return s / 60 + " min ago";
        }
        if (s < 86400) {
            return s / 3600 + " h ago";
        }
        return s / 86400 + " d ago";
    }

    static String duration(Build b) {
        long end = b.finishedAt() != null ? b.finishedAt() : System.currentTimeMillis();
        long s = Math.max(0, (end - b.startedAt()) / 1000);
        return s < 60 ? s + "s" : String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
    }

    private String layout(
            String title, User user, String pageName, Map<String, Object> page, String main) {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>")
                .append(esc(title))
                .append(" · Herald CI</title>")
                .append("<link rel=\"stylesheet\" href=\"/static/app.css\"></head>")
                .append("<body data-page=\"")
                .append(pageName)
                .append("\">")
                .append(
                        "<header class=\"topbar\"><a class=\"brand\" href=\"/\"><span class=\"logo\"></span>Herald CI</a>");
        if (user != null) {
            sb.append(
                            "<span class=\"conn\" id=\"conn\" data-state=\"initialized\" title=\"Connection to Herald\">")
                    .append("<i></i><span>connecting</span></span>")
                    .append(
                            "<span class=\"spacer\"></span><span class=\"who\" id=\"who\" data-login=\"")
                    .append(esc(user.login()))
                    .append("\">")
                    .append(esc(user.name()))
                    .append("</span>")
                    .append(
                            "<form method=\"post\" action=\"/logout\"><button class=\"link\" type=\"submit\">")
                    .append("Log out</button></form>");
        }
        sb.append("</header><main>").append(main).append("</main>");
        if (user != null && !page.isEmpty()) {
            Map<String, Object> cfg = new LinkedHashMap<>(page);
            cfg.put("key", config.appKey());
            cfg.put("wsHost", config.heraldWsHost());
            cfg.put("wsPort", config.heraldWsPort());
            sb.append("<script id=\"ci-config\" type=\"application/json\">")
                    .append(scriptJson(cfg))
                    .append("</script>")
                    .append("<script src=\"/static/vendor/pusher.min.js\"></script>")
                    .append("<script src=\"" + RECOVERY_SCRIPT + "\"></script>")
                    .append("<script src=\"/static/app.js\"></script>");
        }
        sb.append("</body></html>");
        return sb.toString();
    }

    /** JSON that is safe inside a script element. */
    private String scriptJson(Object o) {
        try {
            return json.writeValueAsString(o)
                    .replace("<", "\\u003c")
                    .replace(">", "\\u003e")
                    .replace("&", "\\u0026");
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
