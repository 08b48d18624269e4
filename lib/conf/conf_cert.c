/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipsec.certificates: the PEM files are read here, when the configuration is
 * loaded, so that an unreadable file, a key that does not belong to the
 * certificate or a CA file without a certificate is a configuration error with
 * file, line, column and key, not a refusal at the first client.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "conf_priv.h"

/* The reason OpenSSL gave last, or `dflt` when it gave none. */
static const char *
ossl_reason(const char *dflt)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r != NULL ? r : dflt;
}

/* SHA-256 of the file's bytes: what a reload compares to see a file rotated in place */
static int
file_sha256(FILE *f, uint8_t out[32])
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	uint8_t buf[4096];
	size_t n;
	int ok = m != NULL && EVP_DigestInit_ex(m, EVP_sha256(), NULL) == 1;

	while (ok && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		ok = EVP_DigestUpdate(m, buf, n) == 1;
	ok = ok && !ferror(f) && EVP_DigestFinal_ex(m, out, NULL) == 1;
	EVP_MD_CTX_free(m);
	rewind(f);
	return ok ? 0 : -1;
}

/* open a PEM file and digest it; the caller reads it from the start */
static FILE *
open_pem(struct conf_ctx *ctx, yaml_node_t *map, const char *key, const char *path,
	 uint8_t sha[32])
{
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		conf_err_key(ctx, map, key, "cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (file_sha256(f, sha) < 0) {
		conf_err_key(ctx, map, key, "cannot read '%s': %s", path,
			     ferror(f) ? strerror(errno) : "digest failed");
		fclose(f);
		return NULL;
	}
	return f;
}

bool
lns_conf_certs_differ(const struct lns_cert_conf *a, const struct lns_cert_conf *b)
{
	if (a->set != b->set)
		return true;
	if (!a->set)
		return false;
	if (strcmp(a->cert_file, b->cert_file) != 0 || strcmp(a->key_file, b->key_file) != 0 ||
	    strcmp(a->ca_file, b->ca_file) != 0 || a->n_crls != b->n_crls ||
	    memcmp(a->cert_sha, b->cert_sha, 32) != 0 || memcmp(a->key_sha, b->key_sha, 32) != 0 ||
	    memcmp(a->ca_sha, b->ca_sha, 32) != 0)
		return true;
	for (unsigned int i = 0; i < a->n_crls; i++)
		if (strcmp(a->crl_files[i], b->crl_files[i]) != 0 ||
		    memcmp(a->crl_sha[i], b->crl_sha[i], 32) != 0)
			return true;
	return false;
}

/* path resolved against the configuration's directory, in place */
int
conf_cert_path(struct conf_ctx *ctx, const struct key_desc *d, yaml_node_t *v, void *obj)
{
	char *f = (char *)obj + d->off, tmp[LNS_CONF_PATH_MAX];

	conf_resolve_path(ctx, f, tmp, sizeof(tmp));
	if (strlen(tmp) >= d->size)
		return conf_err(ctx, v, "path '%s' is too long", tmp);
	memcpy(f, tmp, strlen(tmp) + 1);
	return 0;
}

/* RSA, or EC on one of the RFC 4754 curves: the key's signature method. */
static int
key_auth(EVP_PKEY *key)
{
	char grp[64];

	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA)
		return LNS_IKE_AUTH_RSA_SIG;
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
	    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, grp, sizeof(grp),
					   NULL) == 1 &&
	    (strcmp(grp, "prime256v1") == 0 || strcmp(grp, "secp384r1") == 0 ||
	     strcmp(grp, "secp521r1") == 0))
		return LNS_IKE_AUTH_ECDSA;
	return -1;
}

int
conf_cert_check(struct conf_ctx *ctx, yaml_node_t *map, struct lns_cert_conf *c)
{
	X509 *cert = NULL, *ca;
	EVP_PKEY *key = NULL;
	X509_CRL *crl;
	FILE *f;
	unsigned int n;
	int rc = -1;

	ERR_clear_error();
	if ((f = open_pem(ctx, map, "cert-file", c->cert_file, c->cert_sha)) == NULL)
		return -1;
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (cert == NULL) {
		conf_err_key(ctx, map, "cert-file", "'%s' holds no PEM certificate (%s)",
			     c->cert_file, ossl_reason("no CERTIFICATE block"));
		goto out;
	}
	if ((f = open_pem(ctx, map, "key-file", c->key_file, c->key_sha)) == NULL)
		goto out;
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (key == NULL) {
		conf_err_key(ctx, map, "key-file", "'%s' holds no PEM private key (%s)",
			     c->key_file, ossl_reason("no PRIVATE KEY block"));
		goto out;
	}
	if (key_auth(key) < 0) {
		conf_err_key(ctx, map, "key-file", "'%s' is neither an RSA key nor an EC key on "
			     "P-256, P-384 or P-521", c->key_file);
		goto out;
	}
	c->key_auth = (uint8_t)key_auth(key);
	if (X509_check_private_key(cert, key) != 1) {
		conf_err_key(ctx, map, "key-file", "'%s' does not match the certificate in '%s'",
			     c->key_file, c->cert_file);
		goto out;
	}
	if ((f = open_pem(ctx, map, "ca-file", c->ca_file, c->ca_sha)) == NULL)
		goto out;
	for (n = 0; (ca = PEM_read_X509(f, NULL, NULL, NULL)) != NULL; n++)
		X509_free(ca);
	fclose(f);
	if (n == 0) {
		conf_err_key(ctx, map, "ca-file", "'%s' holds no PEM certificate", c->ca_file);
		goto out;
	}
	for (unsigned int i = 0; i < c->n_crls; i++) {
		if ((f = open_pem(ctx, map, "crl-files", c->crl_files[i],
				    c->crl_sha[i])) == NULL)
			goto out;
		for (n = 0; (crl = PEM_read_X509_CRL(f, NULL, NULL, NULL)) != NULL; n++)
			X509_CRL_free(crl);
		fclose(f);
		if (n == 0) {
			conf_err_key(ctx, map, "crl-files", "'%s' holds no PEM CRL",
				     c->crl_files[i]);
			goto out;
		}
	}
	rc = 0;
out:
	ERR_clear_error();
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}
