/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The local authenticator: users of conf->ppp.users, found through a hash
 * table (O(1) at any number of users), secrets compared in constant time
 * (CRYPTO_memcmp). It answers from inside start().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ppp_priv.h"

struct auth_local {
	struct lns_authenticator a;     /* first: the public handle */
	const struct lns_conf *conf;
	uint32_t mask;
	uint32_t *slot;                 /* user index + 1, 0 = empty */
};

static uint32_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u;       /* FNV-1a */

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static const struct lns_user_conf *
find_user(const struct auth_local *l, const char *name)
{
	for (uint32_t i = name_hash(name) & l->mask;; i = (i + 1) & l->mask) {
		uint32_t v = l->slot[i];

		if (v == 0)
			return NULL;
		if (strcmp(l->conf->ppp.users[v - 1].name, name) == 0)
			return &l->conf->ppp.users[v - 1];
	}
}

/* constant time in the secret's content; the length is not secret */
static bool
same(const void *a, size_t al, const void *b, size_t bl)
{
	return al == bl && CRYPTO_memcmp(a, b, al) == 0;
}

static bool
check(const struct lns_user_conf *u, const struct lns_auth_req *q, struct lns_auth_result *r)
{
	uint8_t h[16], resp[24];
	bool ok = false;

	switch (q->method) {
	case LNS_AUTH_PAP:
		if (u->password.set) {
			ok = same(q->password, q->password_len, u->password.value, u->password.len);
		} else if (u->nt_hash_set) {
			lns_mschap_nt_hash(q->password, q->password_len, h);
			ok = same(h, 16, u->nt_hash, 16);
		}
		break;
	case LNS_AUTH_CHAP_MD5:
		/* needs the clear password (RFC 1994 §2.2); an NT hash cannot do */
		if (u->password.set && q->response_len == 16) {
			lns_chap_md5(q->chap_id, (const uint8_t *)u->password.value,
				     u->password.len, q->challenge, q->challenge_len, h);
			ok = same(h, 16, q->response, 16);
		}
		break;
	case LNS_AUTH_MSCHAPV2:
		if (q->response_len != 49 || q->challenge_len != 16)
			break;
		if (u->nt_hash_set)
			memcpy(h, u->nt_hash, 16);
		else if (u->password.set)
			lns_mschap_nt_hash((const uint8_t *)u->password.value, u->password.len, h);
		else
			break;
		/* Response value: peer challenge 16, reserved 8, NT-Response 24, flags */
		lns_mschap_nt_response(q->challenge, q->response, q->user, h, resp);
		ok = same(resp, 24, q->response + 24, 24);
		if (ok)
			lns_mschap_auth_response(h, resp, q->response, q->challenge, q->user,
						 r->auth_response);
		break;
	default:
		break;
	}
	OPENSSL_cleanse(h, sizeof(h));
	return ok;
}

void
lns_auth_local_verify(const struct lns_authenticator *a, const struct lns_auth_req *q,
		      struct lns_auth_result *r)
{
	const struct auth_local *l = (const struct auth_local *)a;
	const struct lns_user_conf *u = find_user(l, q->user);

	memset(r, 0, sizeof(*r));
	if (u == NULL) {
		snprintf(r->reason, sizeof(r->reason), "local=unknown-user");
	} else if (!check(u, q, r)) {
		/* a wrong secret, or one the method cannot use (CHAP-MD5 with an NT hash) */
		snprintf(r->reason, sizeof(r->reason), "local=bad-credentials");
	} else {
		r->ok = true;
		r->addr = u->address;
		memcpy(r->pool, u->pool, sizeof(r->pool));
		snprintf(r->reason, sizeof(r->reason), "local=ok");
	}
}

static int
local_start(const struct lns_authenticator *a, struct lns_ppp *p, const struct lns_auth_req *q)
{
	struct lns_auth_result r;

	lns_auth_local_verify(a, q, &r);
	lns_ppp_auth_done(p, &r, p->now);
	OPENSSL_cleanse(&r, sizeof(r));
	return 0;
}

/* Index conf's users; l is unchanged on failure. */
static int
index_users(struct auth_local *l, const struct lns_conf *conf)
{
	uint32_t size = 16, *slot;

	while (size < 2 * conf->ppp.n_users)
		size <<= 1;
	slot = calloc(size, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (uint32_t u = 0; u < conf->ppp.n_users; u++) {
		uint32_t i = name_hash(conf->ppp.users[u].name) & (size - 1);

		while (slot[i])
			i = (i + 1) & (size - 1);
		slot[i] = u + 1;   /* config validation rejects duplicate names */
	}
	free(l->slot);
	l->slot = slot;
	l->mask = size - 1;
	l->conf = conf;
	return 0;
}

int
lns_auth_local_set_conf(struct lns_authenticator *a, const struct lns_conf *conf)
{
	/* lookups are synchronous (local_start answers at once): no request holds
	 * a user of the old configuration across this call */
	return index_users((struct auth_local *)a, conf);
}

struct lns_authenticator *
lns_auth_local_create(const struct lns_conf *conf)
{
	struct auth_local *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	if (index_users(l, conf) != 0) {
		free(l);
		return NULL;
	}
	l->a.start = local_start;
	l->a.cancel = NULL;
	l->a.arg = l;
	return &l->a;
}

void
lns_auth_local_free(struct lns_authenticator *a)
{
	struct auth_local *l = (struct auth_local *)a;

	if (!l)
		return;
	free(l->slot);
	free(l);
}
