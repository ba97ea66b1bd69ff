/* report_html.c - the self-contained HTML report (placeholder until the timeline lands). */
#include "report.h"

int report_html(FILE *f, const struct report_info *ri, const struct history *h,
                const struct check_result *r)
{
    (void)h;
    (void)r;
    return fprintf(f, "<!doctype html><title>%s</title>\n", ri->name) < 0 ? LY_EIO : 0;
}
