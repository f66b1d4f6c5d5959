/* report.html put together (see html.h): the page's head with the inline
 * style, the sections in reading order, the flame tree's JSON in a data
 * element and the inline script that draws it. */
#include "client/view/html.h"

#include <errno.h>
#include <string.h>

#include "client/view/escape.h"
#include "client/view/flame.h"
#include "client/view/flame_json.h"
#include "client/view/html_parts.h"

static const char *run_name(const struct profile *p)
{
    const char *name = p->script ? p->script : p->module;
    if (!name)
        return "attached process";
    const char *slash = strrchr(name, '/');
    return slash ? slash + 1 : name;
}

static void write_head(FILE *out, const struct profile *p)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"generator\" content=\"fixingahole\">\n<title>fixingahole: ",
          out);
    escape_xml(out, run_name(p));
    fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>fixingahole: ",
            view_html_css);
    escape_xml(out, run_name(p));
    fputs("</h1>\n<nav><a href=\"#summary\">Summary</a><a href=\"#flame\">Flame graph</a>"
          "<a href=\"#lines\">Lines</a><a href=\"#memory\">Memory</a>"
          "<a href=\"#threads\">Threads</a><a href=\"#processes\">Processes</a>"
          "<a href=\"#settings\">Settings</a></nav>\n",
          out);
}

static int write_flame(FILE *out, const struct profile *p, const struct summary *s)
{
    struct flame *f = flame_new(p, s->include_idle);
    if (!f)
        return -ENOMEM;
    fputs("<section id=\"flame\">\n<h2>Flame graph</h2>\n"
          "<p class=\"note\">Every sampled stack, callers above callees, widths by time. "
          "Click a frame to zoom; hover for its time and split.<span class=\"legend\">"
          "<span class=\"python\"></span>python<span class=\"native\"></span>native"
          "<span class=\"system\"></span>system</span></p>\n"
          "<div id=\"flame-controls\"><input id=\"flame-search\" type=\"search\" "
          "placeholder=\"Search functions and files\" size=\"40\"> "
          "<span id=\"flame-matched\"></span> <button id=\"flame-reset\">Reset zoom</button> "
          "<span id=\"flame-status\" class=\"note\"></span></div>\n"
          "<div id=\"flame-graph\"></div>\n<div id=\"flame-tooltip\" hidden></div>\n"
          "<script type=\"application/json\" id=\"flame-data\">",
          out);
    int rc = flame_json_write(out, f, s->root);
    fputs("</script>\n</section>\n", out);
    flame_free(f);
    return rc;
}

int export_html_summary(const struct profile *p, const struct summary *s, FILE *out, char *err,
                        size_t errlen)
{
    write_head(out, p);
    html_summary(out, p, s);
    int rc = write_flame(out, p, s);
    if (rc < 0) {
        snprintf(err, errlen, "report.html: out of memory");
        return rc;
    }
    html_lines(out, s);
    html_memory(out, s);
    html_threads(out, p, s);
    html_processes(out, p);
    html_settings(out, p, s);
    fprintf(out, "<script>\n%s</script>\n</body>\n</html>\n", view_html_js);
    if (fflush(out) != 0 || ferror(out)) {
        snprintf(err, errlen, "report.html: %s", strerror(errno ? errno : EIO));
        return -EIO;
    }
    return 0;
}

int export_html(const struct profile *p, FILE *out, char *err, size_t errlen)
{
    struct summary_options so = {.root = p->root ? p->root : "/", .detailed = p->detailed,
                                 .include_idle = p->include_idle};
    struct summary *s = summary_new(p, &so);
    if (!s) {
        snprintf(err, errlen, "report.html: out of memory");
        return -ENOMEM;
    }
    int rc = export_html_summary(p, s, out, err, errlen);
    summary_free(s);
    return rc;
}
