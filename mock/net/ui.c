/* ui.c - serves the live page (see ui.h). */
#include "ui.h"

void ui_page(struct ly_req *req, struct ly_resp *resp)
{
    resp->status = 200;
    if (ly_buf_adds(&resp->body, ui_page_html) ||
        ly_resp_header(resp, req->arena, "Content-Type", "text/html; charset=utf-8") ||
        ly_resp_header(resp, req->arena, "Cache-Control", "no-store")) {
        resp->status = 500;
        ly_buf_reset(&resp->body);
    }
}
