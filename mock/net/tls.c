/*
 * tls.c - HTTPS on a second listener (the guard makes its OpenSSL bufferevents), and a
 * self-signed leaf certificate for localhost / 127.0.0.1 / ::1 (and *.localhost for
 * virtual-hosted buckets) created when no --tls-cert/--tls-key is given. The certificate can
 * sign nothing (CA:FALSE, no keyCertSign), names only those hosts, and lives CERT_DAYS: it is
 * made again when it has expired or is about to.
 */
#include "net_internal.h"
#include "guard.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CERT_DAYS 30
#define CERT_RENEW_SECS (2 * 86400) /* made again when it expires sooner */

static int add_ext(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

static X509 *make_cert(EVP_PKEY *key)
{
    X509 *cert = X509_new();
    unsigned char serial[16];
    if (!cert || RAND_bytes(serial, sizeof serial) != 1)
        goto fail;
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    ASN1_INTEGER *sn = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    BN_free(bn);
    if (!sn || !X509_set_serialNumber(cert, sn)) {
        ASN1_INTEGER_free(sn);
        goto fail;
    }
    ASN1_INTEGER_free(sn);
    X509_NAME *name = X509_get_subject_name(cert);
    if (!X509_set_version(cert, 2) || !X509_gmtime_adj(X509_getm_notBefore(cert), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert), 86400L * CERT_DAYS) ||
        !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                    (const unsigned char *)"lockyard test server", -1, -1, 0) ||
        !X509_set_issuer_name(cert, name) || !X509_set_pubkey(cert, key))
        goto fail;
    /* No keyUsage: OpenSSL would then want keyCertSign to accept the certificate as its own
     * issuer when a client trusts it directly. */
    if (add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") ||
        add_ext(cert, NID_ext_key_usage, "serverAuth") ||
        add_ext(cert, NID_subject_key_identifier, "hash") ||
        add_ext(cert, NID_subject_alt_name,
                "DNS:localhost,DNS:*.localhost,DNS:*.s3.localhost,IP:127.0.0.1,IP:::1"))
        goto fail;
    if (!X509_sign(cert, key, EVP_sha256()))
        goto fail;
    return cert;
fail:
    X509_free(cert);
    return NULL;
}

static int write_pem(const char *path, EVP_PKEY *key, X509 *cert)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
                 : PEM_write_X509(f, cert);
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* 1 when the certificate at path exists and is valid for CERT_RENEW_SECS more. */
static int cert_current(const char *path)
{
    FILE *f = fopen(path, "r");
    X509 *cert = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    time_t soon = time(NULL) + CERT_RENEW_SECS;
    int ok = cert && X509_cmp_time(X509_get0_notAfter(cert), &soon) > 0;
    X509_free(cert);
    return ok;
}

/* Creates dir/tls/cert.pem and key.pem unless both exist and are current; fills the paths. */
static int ensure_self_signed(const char *dir, char *cert_path, char *key_path, size_t n)
{
    char tls_dir[4096];
    struct stat st;
    snprintf(tls_dir, sizeof tls_dir, "%s/tls", dir);
    snprintf(cert_path, n, "%s/cert.pem", tls_dir);
    snprintf(key_path, n, "%s/key.pem", tls_dir);
    if (stat(key_path, &st) == 0 && cert_current(cert_path))
        return 0;
    if (mkdir(tls_dir, 0700) != 0 && stat(tls_dir, &st) != 0)
        return -1;
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *cert = key ? make_cert(key) : NULL;
    int rc = cert ? 0 : -1;
    if (!rc) {
        mode_t old = umask(077);
        rc = write_pem(key_path, key, NULL);
        umask(old);
    }
    if (!rc)
        rc = write_pem(cert_path, NULL, cert);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

int net_tls_setup(struct server *srv, const char *data_dir)
{
    char cert[4200], key[4200];
    const char *cert_path = srv->opts.tls_cert, *key_path = srv->opts.tls_key;
    if (!cert_path || !key_path) {
        if (ensure_self_signed(data_dir, cert, key, sizeof cert) != 0) {
            fprintf(stderr, "lockyard: cannot create a TLS certificate in %s/tls\n", data_dir);
            return -1;
        }
        cert_path = cert;
        key_path = key;
        printf("lockyard certificate %s\n", cert);
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
        SSL_CTX_use_certificate_chain_file(ctx, cert_path) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        fprintf(stderr, "lockyard: TLS setup failed (%s, %s): %s\n", cert_path, key_path,
                ERR_reason_error_string(ERR_get_error()));
        SSL_CTX_free(ctx);
        return -1;
    }
    srv->ssl_ctx = ctx;
    if (!realpath(cert_path, srv->cert_path))
        snprintf(srv->cert_path, sizeof srv->cert_path, "%s", cert_path);
    srv->https = evhttp_new(srv->base);
    return srv->https ? 0 : -1;
}

void net_tls_remove_generated(struct server *srv, const char *data_dir)
{
    char path[4200];
    if (!srv->opts.tls_host || srv->opts.tls_cert || srv->opts.tls_key || !data_dir)
        return;
    snprintf(path, sizeof path, "%s/tls/key.pem", data_dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/tls/cert.pem", data_dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/tls", data_dir);
    rmdir(path);
}
