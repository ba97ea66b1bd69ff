/* metrics.c - counters and histograms in fixed tables, Prometheus text (see metrics.h). */
#include "metrics.h"

#include <stdlib.h>
#include <string.h>

#define SERIES_MAX 512
#define FAULT_SERIES_MAX 32
static const int64_t bucket_ms[] = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
#define NBUCKETS (sizeof bucket_ms / sizeof bucket_ms[0])

struct series {
    char service[16], op[48];
    int status;
    uint64_t count;
};

struct histo {
    char service[16];
    uint64_t buckets[NBUCKETS], count;
    int64_t sum_ms;
};

struct metrics {
    struct series s[SERIES_MAX];
    size_t ns;
    size_t last; /* the series metrics_request counted last */
    struct histo h[4];
    size_t nh;
    struct {
        char action[24];
        uint64_t count;
    } f[FAULT_SERIES_MAX];
    size_t nf;
    uint64_t overflow;
};

struct metrics *metrics_new(void)
{
    return calloc(1, sizeof(struct metrics));
}

void metrics_free(struct metrics *m)
{
    free(m);
}

static void copy(char *dst, size_t n, const char *src)
{
    size_t l = strlen(src);
    if (l >= n)
        l = n - 1;
    memcpy(dst, src, l);
    dst[l] = '\0';
}

static struct histo *histo_for(struct metrics *m, const char *service)
{
    for (size_t i = 0; i < m->nh; i++)
        if (strcmp(m->h[i].service, service) == 0)
            return &m->h[i];
    if (m->nh == sizeof m->h / sizeof m->h[0])
        return NULL;
    struct histo *h = &m->h[m->nh++];
    copy(h->service, sizeof h->service, service);
    return h;
}

void metrics_request(struct metrics *m, const char *service, const char *op, int status,
                     int64_t latency_ms)
{
    size_t i = m->last; /* most requests repeat the last one's series: tried first */
    if (!(i < m->ns && m->s[i].status == status && strcmp(m->s[i].op, op) == 0 &&
          strcmp(m->s[i].service, service) == 0))
        for (i = 0; i < m->ns; i++)
            if (m->s[i].status == status && strcmp(m->s[i].op, op) == 0 &&
                strcmp(m->s[i].service, service) == 0)
                break;
    if (i == m->ns) {
        if (m->ns == SERIES_MAX) {
            m->overflow++;
            return;
        }
        copy(m->s[i].service, sizeof m->s[i].service, service);
        copy(m->s[i].op, sizeof m->s[i].op, op);
        m->s[i].status = status;
        m->ns++;
    }
    m->s[i].count++;
    m->last = i;
    struct histo *h = histo_for(m, service);
    if (!h)
        return;
    for (size_t b = 0; b < NBUCKETS; b++)
        if (latency_ms <= bucket_ms[b])
            h->buckets[b]++;
    h->count++;
    h->sum_ms += latency_ms;
}

void metrics_fault(struct metrics *m, const char *action)
{
    for (size_t i = 0; i < m->nf; i++)
        if (strcmp(m->f[i].action, action) == 0) {
            m->f[i].count++;
            return;
        }
    if (m->nf < FAULT_SERIES_MAX) {
        copy(m->f[m->nf].action, sizeof m->f[m->nf].action, action);
        m->f[m->nf++].count = 1;
    }
}

static int render_preconditions(const struct metrics *m, struct ly_buf *out)
{
    static const int codes[] = {304, 409, 412};
    int rc = ly_buf_adds(out,
                         "# HELP lockyard_precondition_outcomes_total Answers 304, 409 and "
                         "412 by service.\n# TYPE lockyard_precondition_outcomes_total counter\n");
    for (size_t c = 0; !rc && c < 3; c++) {
        uint64_t n[2] = {0, 0};
        for (size_t i = 0; i < m->ns; i++)
            if (m->s[i].status == codes[c])
                n[strcmp(m->s[i].service, "s3") != 0] += m->s[i].count;
        rc = ly_buf_addf(out,
                         "lockyard_precondition_outcomes_total{service=\"s3\",status=\"%d\"} "
                         "%llu\nlockyard_precondition_outcomes_total{service=\"dynamodb\","
                         "status=\"%d\"} %llu\n",
                         codes[c], (unsigned long long)n[0], codes[c], (unsigned long long)n[1]);
    }
    return rc;
}

static int render_histograms(const struct metrics *m, struct ly_buf *out)
{
    int rc = ly_buf_adds(out, "# HELP lockyard_request_duration_seconds Request latency.\n"
                              "# TYPE lockyard_request_duration_seconds histogram\n");
    for (size_t i = 0; !rc && i < m->nh; i++) {
        const struct histo *h = &m->h[i];
        for (size_t b = 0; !rc && b < NBUCKETS; b++)
            rc = ly_buf_addf(out,
                             "lockyard_request_duration_seconds_bucket{service=\"%s\","
                             "le=\"%g\"} %llu\n",
                             h->service, (double)bucket_ms[b] / 1000.0,
                             (unsigned long long)h->buckets[b]);
        if (!rc)
            rc = ly_buf_addf(out,
                             "lockyard_request_duration_seconds_bucket{service=\"%s\","
                             "le=\"+Inf\"} %llu\nlockyard_request_duration_seconds_sum{service="
                             "\"%s\"} %g\nlockyard_request_duration_seconds_count{service=\"%s\"} "
                             "%llu\n",
                             h->service, (unsigned long long)h->count, h->service,
                             (double)h->sum_ms / 1000.0, h->service, (unsigned long long)h->count);
    }
    return rc;
}

int metrics_render(const struct metrics *m, uint64_t store_bytes, uint64_t journal_entries,
                   struct ly_buf *out)
{
    int rc = ly_buf_adds(out, "# HELP lockyard_requests_total Requests answered, by service, "
                              "operation and status (0 = connection dropped).\n"
                              "# TYPE lockyard_requests_total counter\n");
    for (size_t i = 0; !rc && i < m->ns; i++)
        rc = ly_buf_addf(out,
                         "lockyard_requests_total{service=\"%s\",op=\"%s\",status=\"%d\"} "
                         "%llu\n",
                         m->s[i].service, m->s[i].op, m->s[i].status,
                         (unsigned long long)m->s[i].count);
    if (!rc)
        rc = render_preconditions(m, out);
    if (!rc)
        rc = ly_buf_adds(out, "# HELP lockyard_faults_injected_total Faults that fired, by "
                              "action.\n# TYPE lockyard_faults_injected_total counter\n");
    for (size_t i = 0; !rc && i < m->nf; i++)
        rc = ly_buf_addf(out, "lockyard_faults_injected_total{action=\"%s\"} %llu\n",
                         m->f[i].action, (unsigned long long)m->f[i].count);
    if (!rc)
        rc = render_histograms(m, out);
    if (!rc)
        rc = ly_buf_addf(out,
                         "# HELP lockyard_store_bytes LMDB pages in use, in bytes.\n"
                         "# TYPE lockyard_store_bytes gauge\nlockyard_store_bytes %llu\n"
                         "# HELP lockyard_journal_entries Requests held in the journal ring.\n"
                         "# TYPE lockyard_journal_entries gauge\nlockyard_journal_entries %llu\n",
                         (unsigned long long)store_bytes, (unsigned long long)journal_entries);
    return rc;
}
