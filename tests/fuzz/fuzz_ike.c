/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the IKEv1 responder (lib/ike) on ports 500 and 4500.
 *
 * Byte 0 picks the mode:
 *  even: clear-text messages. The rest is a stream of records
 *          sel (1 byte) | one ISAKMP message (as long as its header's Length says;
 *                         the rest of the input when that is absent or too big)
 *        sel bit 0: port 500 or 4500; bits 1-2: which of four peers; bits 3-6: how
 *        far the fake clock moves first (timers fire). A responder cookie of eight
 *        0xaa bytes is replaced by the cookie the responder last sent that peer, so
 *        mutated Main Mode messages 3 and 5 reach the state they are meant for.
 *        Each message also goes through the codec alone (header, payload chain, and
 *        the SA, ID, Notify, Delete and NAT-OA parsers on every payload).
 *  odd:  protected phase 2. The harness first completes Main Mode with the test
 *        initiator (tests/unit/ike/initiator.h, an independent RFC 2409 build),
 *        then each record
 *          sel (1 byte) | first payload type (1) | message id (4) | len (2) | body
 *        becomes an encrypted Quick Mode (sel bit 0 clear) or Informational (set)
 *        message with a correct HASH(1) over the fuzzed payload chain, so the Quick
 *        Mode, Notify (DPD) and Delete handlers see hostile payloads after the
 *        integrity check. sel bits 3-6 move the clock as above; with sel bit 1
 *        set, a Quick Mode the responder answers is finished with message 3.
 *
 * Fragmentation is on (fragments of any of the above are reassembled), and with
 * FUZZ_CERT_DIR (tests/unit/ike/certs, set by meson) certificates are configured:
 * Main Mode offers with RSA signatures are accepted, and the codec runs every CERT
 * payload through X.509 verification against that CA and CRL (then its ID and SIG
 * checks against the message's ID and SIG payloads), every DN ID through the DN
 * printer and every fragment payload through the fragment parser.
 *
 * Contracts checked: at the end, with the clock run past every lifetime, DPD and
 * exchange timer, no ISAKMP SA is left, and every connection and child the
 * callbacks were told about came down exactly once.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "lns_ike.h"
#include "ike_priv.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "../unit/ike/initiator.h"
#pragma GCC diagnostic pop

#include "fuzz_common.h"

#define LOCAL 0x016433c6u       /* 198.51.100.1, network order on little endian */
#define PSK   "fuzz-psk"

static struct lns_conf conf;
static const uint32_t peers[4] = { 0x0a0200c0u, 0x0b0200c0u, 0x0101a8c0u, 0x050071cbu };
static const uint64_t steps[16] = {
	0, 10, 100, 500, 1000, 2000, 5000, 10000, 30000, 60000, 120000, 300000,
	600000, 1200000, 3600000, 7200000,
};
static const uint8_t RCKY_PLACEHOLDER[8] = { 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa };

static struct {
	struct lns_ike *ike;
	struct lns_timers *tm;
	uint64_t now;
	uint8_t last_rcky[4][8];
	struct ike_buf last;            /* the last message the responder sent */
	int conn_up, conn_down, child_up, child_down;
} F;
static struct ike_certs *certs;      /* the codec's X.509 checks */

static int
peer_idx(uint32_t peer)
{
	for (int i = 0; i < 4; i++)
		if (peers[i] == peer)
			return i;
	return -1;
}

static void
f_send(void *ctx, uint32_t peer, uint16_t pp, uint16_t lp, const uint8_t *msg, size_t len)
{
	int i = peer_idx(peer);

	(void)ctx;
	(void)pp;
	FUZZ_CHECK(i >= 0);                      /* we only answer who spoke to us */
	FUZZ_CHECK(lp == LNS_IKE_PORT || lp == LNS_IKE_NATT_PORT);
	FUZZ_CHECK(len >= IKE_HDR_LEN && len <= IKE_MSG_MAX);
	memcpy(F.last_rcky[i], msg + 8, 8);
	memcpy(F.last.b, msg, len);
	F.last.len = len;
}

static int
f_child_up(void *ctx, const struct lns_ike_child *c)
{
	(void)ctx;
	/* the data plane refuses some SPIs, so the refusal path is reached too */
	if ((c->spi_out & 0xff) == 0xee)
		return -1;
	F.child_up++;
	return 0;
}

static void
f_child_down(void *ctx, uint32_t conn, uint32_t spi_in)
{
	(void)ctx;
	(void)conn;
	(void)spi_in;
	F.child_down++;
}

static void
f_conn_up(void *ctx, uint32_t conn, uint32_t peer, const char *id)
{
	(void)ctx;
	(void)conn;
	(void)id;
	FUZZ_CHECK(peer_idx(peer) >= 0);
	F.conn_up++;
}

static void
f_conn_down(void *ctx, uint32_t conn, const char *why)
{
	(void)ctx;
	(void)conn;
	(void)why;
	F.conn_down++;
}

static const struct lns_ike_ops ops = { f_send, f_child_up, f_child_down, f_conn_up,
					f_conn_down, NULL };

static void
setup_conf(void)
{
	struct lns_psk_conf *p = &conf.ipsec.psks[0];

	conf.ports[LNS_PORT_ACCESS].address.addr = LOCAL;
	conf.ipsec.ike_proposals[0] = LNS_IKE_AES128_SHA1_MODP2048;
	conf.ipsec.ike_proposals[1] = LNS_IKE_AES256_SHA256_ECP256;
	conf.ipsec.n_ike_proposals = 2;
	lns_ike_lists_from_suites(&conf.ipsec);
	conf.ipsec.esp_proposals[0] = LNS_ESP_AES128_GCM16;
	conf.ipsec.esp_proposals[1] = LNS_ESP_AES256_SHA1;
	conf.ipsec.n_esp_proposals = 2;
	conf.ipsec.ike_lifetime = 28800;
	conf.ipsec.esp_lifetime = 3600;
	conf.ipsec.dpd_interval = 30;
	conf.ipsec.dpd_timeout = 120;
	conf.ipsec.max_half_open = 8;
	snprintf(p->secret.value, sizeof(p->secret.value), "%s", PSK);
	p->secret.len = (uint16_t)strlen(PSK);
	p->secret.set = true;
	conf.ipsec.n_psks = 1;
	conf.ipsec.fragmentation = true;
	conf.ipsec.fragment_size = 600;
#ifdef FUZZ_CERT_DIR
	{
		struct lns_cert_conf *c = &conf.ipsec.certs;
		char err[256];

		snprintf(c->cert_file, sizeof(c->cert_file), "%s/lns.pem", FUZZ_CERT_DIR);
		snprintf(c->key_file, sizeof(c->key_file), "%s/lns.key", FUZZ_CERT_DIR);
		snprintf(c->ca_file, sizeof(c->ca_file), "%s/ca.pem", FUZZ_CERT_DIR);
		snprintf(c->crl_files[0], sizeof(c->crl_files[0]), "%s/ca.crl", FUZZ_CERT_DIR);
		c->n_crls = 1;
		c->set = true;
		conf.ipsec.n_cert_peers = 1;   /* every address, any ID */
		certs = ike_certs_load(c, err, sizeof(err));
		if (certs == NULL)
			fprintf(stderr, "fuzz_ike: no certificates (%s)\n", err);
	}
#endif
}

/* A CERT payload (and the chain after it) through the X.509 checks. */
static void
codec_cert(const struct ike_pls *pls, const struct ike_pl *c)
{
	const struct ike_pl *idp = ike_pls_find(pls, IKE_PL_ID, 0);
	const struct ike_pl *sig = ike_pls_find(pls, IKE_PL_SIG, 0);
	const uint8_t *extra[2];
	size_t extra_len[2];
	unsigned int n = 0;
	struct ike_peer_cert *pc = NULL;
	struct ike_id id;
	char why[128];
	uint8_t hash[32];

	if (certs == NULL || c->len < 2)
		return;
	for (unsigned int i = 1; n < 2; i++) {
		const struct ike_pl *e = ike_pls_find(pls, IKE_PL_CERT, i);

		if (e == NULL)
			break;
		if (e->len >= 2) {
			extra[n] = e->body + 1;
			extra_len[n++] = e->len - 1u;
		}
	}
	if (ike_certs_verify(certs, c->body + 1, c->len - 1u, extra, extra_len, n, &pc, why,
			     sizeof(why)) != IKE_CERT_OK) {
		FUZZ_CHECK(pc == NULL);
		return;
	}
	FUZZ_CHECK(pc != NULL);
	if (idp != NULL && ike_id_parse(idp->body, idp->len, &id) == 0)
		(void)ike_peer_cert_id(pc, id.type, id.data, id.len);
	memset(hash, 0x5a, sizeof(hash));
	if (sig != NULL)
		(void)ike_peer_cert_sig(pc, hash, sizeof(hash), sig->body, sig->len);
	ike_peer_cert_free(pc);
}

static void
advance(uint64_t ms)
{
	uint64_t end = F.now + ms;
	unsigned int guard = 0;

	while (lns_timers_next(F.tm) <= end) {
		uint64_t next = lns_timers_next(F.tm);

		if (next > F.now)
			F.now = next;
		lns_timers_run(F.tm, F.now);
		FUZZ_CHECK(++guard < 1000000);
	}
	F.now = end;
}

/* The codec alone: every parser on every payload of a clear-text message. */
static void
codec(const uint8_t *m, size_t len)
{
	static struct ike_pls pls;
	static struct ike_sa_pl sa;
	struct ike_hdr h;

	if (ike_hdr_parse(m, len, &h) < 0)
		return;
	FUZZ_CHECK(h.len >= IKE_HDR_LEN && h.len <= len);
	if (ike_pl_parse(h.np, m + IKE_HDR_LEN, h.len - IKE_HDR_LEN, false, &pls) < 0)
		return;
	FUZZ_CHECK(pls.n <= IKE_MAX_PL && pls.used <= h.len - IKE_HDR_LEN);
	for (unsigned int i = 0; i < pls.n; i++) {
		const struct ike_pl *pl = &pls.p[i];
		struct ike_id id;
		struct ike_notify n;
		struct ike_delete d;
		uint32_t a;

		FUZZ_CHECK(pl->body >= m + IKE_HDR_LEN && pl->body + pl->len <= m + h.len);
		switch (pl->type) {
		case IKE_PL_SA:
			if (ike_sa_parse(pl->body, pl->len, &sa) == 0) {
				FUZZ_CHECK(sa.n_props <= IKE_MAX_PROPS);
				for (unsigned int k = 0; k < sa.n_props; k++) {
					const struct ike_prop *pr = &sa.prop[k];

					FUZZ_CHECK(pr->x >= sa.pool &&
						   pr->x + pr->n_xforms <= sa.pool + sa.n_pool);
					for (unsigned int x = 0; x < pr->n_xforms; x++) {
						const uint8_t *ap = pr->x[x].attrs;
						const uint8_t *end = ap + pr->x[x].attrs_len;
						struct ike_attr at;
						int guard = 0;

						FUZZ_CHECK(end <= pl->body + pl->len);
						while (ike_attr_next(&ap, end, &at) > 0)
							FUZZ_CHECK(++guard <= pl->len);
					}
				}
			}
			break;
		case IKE_PL_ID:
			if (ike_id_parse(pl->body, pl->len, &id) == 0) {
				char dn[LNS_CONF_ID_MAX];

				FUZZ_CHECK(id.data + id.len <= pl->body + pl->len);
				if (id.type == IKE_ID_DER_ASN1_DN &&
				    ike_dn_text(id.data, id.len, dn, sizeof(dn)) == 0)
					FUZZ_CHECK(strlen(dn) < sizeof(dn));
			}
			break;
		case IKE_PL_CERT:
			codec_cert(&pls, pl);
			break;
		case IKE_PL_FRAG: {
			struct ike_frag fr;

			if (ike_frag_parse(pl->body, pl->len, &fr) == 0)
				FUZZ_CHECK(fr.num > 0 && fr.len > 0 &&
					   fr.data + fr.len <= pl->body + pl->len);
			break;
		}
		case IKE_PL_N:
			if (ike_notify_parse(pl->body, pl->len, &n) == 0)
				FUZZ_CHECK(n.data + n.data_len <= pl->body + pl->len);
			break;
		case IKE_PL_D:
			if (ike_delete_parse(pl->body, pl->len, &d) == 0)
				FUZZ_CHECK(d.spis + (size_t)d.n_spi * d.spi_size <=
					   pl->body + pl->len);
			break;
		case IKE_PL_NATOA:
		case IKE_PL_NATOA_DRAFT:
			(void)ike_natoa_parse(pl->body, pl->len, &a);
			break;
		default:
			break;
		}
	}
}

static void
clear_mode(struct fuzz_in *in)
{
	static uint8_t buf[65536];

	while (in->left > 0) {
		uint8_t sel = fuzz_u8(in);
		int pi = (sel >> 1) & 3;
		uint16_t port = (sel & 1) ? LNS_IKE_NATT_PORT : LNS_IKE_PORT;
		size_t n = in->left, got;
		int rc;
		const uint8_t *m;

		if (in->left >= IKE_HDR_LEN) {
			size_t field = ike_get32(in->p + 24);

			if (field >= IKE_HDR_LEN && field <= in->left)
				n = field;
		}
		m = fuzz_bytes(in, n, &got);
		memcpy(buf, m, got);
		if (got >= 16 && memcmp(buf + 8, RCKY_PLACEHOLDER, 8) == 0)
			memcpy(buf + 8, F.last_rcky[pi], 8);
		codec(buf, got);
		advance(steps[(sel >> 3) & 15]);
		rc = lns_ike_input(F.ike, peers[pi], port, port, buf, got, F.now);
		if (fuzz_debug()) {
			uint64_t c[LNS_IKE_C_MAX];

			fprintf(stderr, "in %zu bytes from peer %d port %u: %d\n", got, pi, port, rc);
			lns_ike_counters(F.ike, c);
			for (unsigned int i = 0; i < LNS_IKE_C_MAX; i++)
				if (c[i])
					fprintf(stderr, "  %s %llu\n", lns_ike_counter_name(i),
						(unsigned long long)c[i]);
		}
	}
}

/* Main Mode with the test initiator; 0 when the responder's message 6 checks out. */
static int
main_mode(struct ini *s)
{
	static struct ike_buf m;

	memset(s, 0, sizeof(*s));
	s->group = IKE_GROUP_ECP256;    /* the cheaper of our two proposals */
	s->enc = IKE_ENC_AES_CBC;
	s->keybits = 256;
	s->hashalg = IKE_HASHALG_SHA256;
	ini_mm1(s, &m, true);
	if (lns_ike_input(F.ike, peers[0], 500, 500, m.b, m.len, F.now) != 0)
		return -1;
	memcpy(s->rcky, F.last.b + 8, 8);
	ini_mm3(s, &m, LOCAL, peers[0], 500, true, false);
	if (lns_ike_input(F.ike, peers[0], 500, 500, m.b, m.len, F.now) != 0 ||
	    ini_mm4(s, F.last.b, F.last.len, PSK) != 0)
		return -2;
	ini_mm5(s, &m, IKE_ID_IPV4_ADDR, &peers[0], 4, true);
	if (lns_ike_input(F.ike, peers[0], 500, 500, m.b, m.len, F.now) != 0)
		return -3;
	return ini_mm6(s, F.last.b, F.last.len);
}

/*
 * Finish a Quick Mode the responder answered: HASH(3) = prf(SKEYID_a, 0 | M-ID |
 * Ni_b | Nr_b) (RFC 2409 §5.5), Ni from the fuzzed message 1, Nr from message 2.
 * That takes hostile proposals all the way to child_up and to the children's
 * lifetimes, rekeys and Deletes.
 */
static void
quick_mode_3(struct ini *s, uint32_t msgid, uint8_t first, const uint8_t *body, size_t len,
	     uint8_t *iv)
{
	static struct ike_pls mine, theirs;
	static struct ike_buf m;
	static const uint8_t zero;
	const struct ike_pl *ni, *nr;
	uint8_t mid[4], h3[IKE_HASH_MAX], *p;

	if (F.last.len < IKE_HDR_LEN || F.last.b[18] != IKE_EXCH_QUICK ||
	    ike_get32(F.last.b + 20) != msgid)
		return;
	if (ike_pl_parse(first, body, len, false, &mine) < 0 ||
	    (ni = ike_pls_find(&mine, IKE_PL_NONCE, 0)) == NULL)
		return;
	p = ini_decrypt(s, F.last.b, F.last.len, iv, &theirs);
	if (p == NULL)
		return;
	nr = ike_pls_find(&theirs, IKE_PL_NONCE, 0);
	if (nr != NULL) {
		ike_put32(mid, msgid);
		struct ike_iov v[4] = { { &zero, 1 }, { mid, 4 }, { ni->body, ni->len },
					{ nr->body, nr->len } };

		ike_prf(s->h, s->k.a, s->k.len, v, 4, h3);
		ike_buf_init(&m, s->icky, s->rcky, IKE_EXCH_QUICK, 0, msgid);
		ike_buf_pl(&m, IKE_PL_HASH, h3, s->k.len);
		ini_encrypt(s, &m, iv);
		(void)lns_ike_input(F.ike, peers[0], 500, 500, m.b, m.len, F.now);
	}
	free(p);
}

static void
protected_mode(struct fuzz_in *in)
{
	static struct ini s;
	static struct ike_buf m;

	if (main_mode(&s) != 0) {
		fprintf(stderr, "fuzz_ike: harness Main Mode failed\n");
		abort();
	}
	if (s.dh != NULL) {
		ike_dh_free(s.dh);
		s.dh = NULL;
	}
	while (in->left > 0) {
		uint8_t sel = fuzz_u8(in), first = fuzz_u8(in), iv[16];
		uint32_t msgid = (uint32_t)fuzz_u16(in) << 16;
		size_t want, got, h;
		const uint8_t *body;

		msgid |= fuzz_u16(in);
		want = fuzz_u16(in);
		body = fuzz_bytes(in, want, &got);
		if (got > IKE_MSG_MAX - 128)
			got = IKE_MSG_MAX - 128;
		ike_buf_init(&m, s.icky, s.rcky, (sel & 1) ? IKE_EXCH_INFO : IKE_EXCH_QUICK, 0,
			     msgid);
		h = ini_hash_begin(&s, &m);
		m.b[m.np_off] = first;
		ike_buf_put(&m, body, got);
		ike_p2_iv(s.h, s.p1_last, s.block, msgid, iv);
		ini_p2_finish(&s, &m, h, NULL, 0, iv);
		advance(steps[(sel >> 3) & 15]);
		F.last.len = 0;
		(void)lns_ike_input(F.ike, peers[0], 500, 500, m.b, m.len, F.now);
		if (!(sel & 1) && (sel & 2))
			quick_mode_3(&s, msgid, first, body, got, iv);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lns_evlog *log;
	struct fuzz_in in = { data, size };
	uint8_t mode;
	uint32_t half;

	if (conf.ipsec.n_psks == 0)
		setup_conf();
	if (size == 0)
		return 0;
	memset(&F, 0, sizeof(F));
	F.now = 1000000;
	F.tm = lns_timers_create(16);
	log = lns_evlog_create(256);
	F.ike = lns_ike_create(&conf, &ops, NULL, F.tm, log);
	FUZZ_CHECK(F.tm != NULL && log != NULL && F.ike != NULL);

	mode = fuzz_u8(&in);
	if (mode & 1)
		protected_mode(&in);
	else
		clear_mode(&in);

	/* past every lifetime (ISAKMP 8 h) and DPD: everything must be gone */
	advance(2 * 24 * 3600 * 1000ULL);
	FUZZ_CHECK(lns_ike_sa_count(F.ike, &half) == 0 && half == 0);
	if (F.conn_up != F.conn_down || F.child_up != F.child_down)
		fprintf(stderr, "conn up %d down %d, child up %d down %d\n", F.conn_up,
			F.conn_down, F.child_up, F.child_down);
	FUZZ_CHECK(F.conn_up == F.conn_down);
	FUZZ_CHECK(F.child_up == F.child_down);

	lns_ike_free(F.ike);
	lns_evlog_free(log);
	lns_timers_free(F.tm);
	return 0;
}
