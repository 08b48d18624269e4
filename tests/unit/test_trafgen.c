/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of app/lns-trafgen: the plan derives what lib/ctl/ctl_static.c
 * provisions; frames carry valid checksums and the right layers; the ESP that
 * OpenSSL sealed there is opened here by lib/esp (Intel IPsec-MB), a second
 * implementation; the pcap file reads back.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "lns_esp.h"
#include "trafgen.h"

static IMB_MGR *mgr;
static struct rte_mempool *pool;

static const char *conf_yaml =
	"ports:\n"
	"  access: {device: net_null0, profile: \"null\", address: 192.0.2.1/24, gateway: 192.0.2.254}\n"
	"  core: {device: net_null1, profile: \"null\", address: 198.51.100.1/24, gateway: 198.51.100.2}\n"
	"l2tp:\n"
	"  allow-nonsecure: true\n"
	"ppp:\n"
	"  pools:\n"
	"    - {name: a, prefix: 10.200.0.0/16}\n"
	"static:\n"
	"  sas:\n"
	"    - {name: g, spi-in: 0x1000, spi-out: 0x2000, peer: 192.0.2.10, alg: aes128gcm16,\n"
	"       udp-encap: true, peer-port: 4600, count: 3,\n"
	"       key-in: 00112233445566778899aabbccddeeff01020304,\n"
	"       key-out: ffeeddccbbaa9988776655443322110005060708}\n"
	"    - {name: c, spi-in: 0x3000, spi-out: 0x4000, peer: 192.0.3.20, alg: aes128-sha1,\n"
	"       mode: tunnel, count: 2,\n"
	"       key-in: 000102030405060708090a0b0c0d0e0f, key-out: 0f0e0d0c0b0a09080706050403020100,\n"
	"       auth-key-in: 0102030405060708090a0b0c0d0e0f1011121314,\n"
	"       auth-key-out: 1413121110090807060504030201000f0e0d0c0b}\n"
	"  tunnels:\n"
	"    - {local-id: 10, peer-id: 100, sa: g, count: 3, sessions: 2, pool: a}\n"
	"    - {local-id: 20, peer-id: 200, sa: c, count: 2, sessions: 1, pool: a}\n"
	"    - {local-id: 30, peer-id: 300, peer: 192.0.2.50, peer-port: 1702, count: 2,\n"
	"       sessions: 1, pool: a}\n";

static struct lns_conf *
load(void)
{
	char err[LNS_CONF_ERR_MAX];
	struct lns_conf *c = lns_conf_load_string(conf_yaml, "test", err, sizeof(err));

	if (c == NULL)
		fprintf(stderr, "config: %s\n", err);
	return c;
}

static uint32_t
ip(const char *s)
{
	uint32_t a = 0;

	inet_pton(AF_INET, s, &a);
	return a;
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

/* ---- plan ---------------------------------------------------------------------- */

static void
test_plan_derivation(void)
{
	struct lns_conf *c = load();
	struct tg_plan p;
	char err[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(tg_plan_build(c, -1, &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.n_sas, 5);
	CU_ASSERT_EQUAL(p.n_sess, 3 * 2 + 2 + 2);
	CU_ASSERT_EQUAL(p.n_clients, 5 + 2);     /* 5 SA copies, 2 plain tunnel peers */
	/* SA copy k: SPI + k, peer + k, NAT-T port + k */
	CU_ASSERT_EQUAL(p.sas[2].spi, 0x1002);
	CU_ASSERT_EQUAL(p.sas[2].peer, ip("192.0.2.12"));
	CU_ASSERT_EQUAL(p.sas[2].sport, 4602);
	CU_ASSERT(p.sas[2].udp_encap);
	CU_ASSERT_EQUAL(p.sas[4].spi, 0x3001);
	CU_ASSERT_EQUAL(p.sas[4].peer, ip("192.0.3.21"));
	CU_ASSERT_EQUAL(p.sas[4].mode, LNS_MODE_TUNNEL);
	CU_ASSERT_FALSE(p.sas[4].udp_encap);
	/* Sessions: ids 1..n per tunnel, addresses in order from the pool across tunnels. */
	CU_ASSERT_EQUAL(p.sess[0].addr, ip("10.200.0.1"));
	CU_ASSERT_EQUAL(p.sess[0].tunnel_id, 10);
	CU_ASSERT_EQUAL(p.sess[1].session_id, 2);
	CU_ASSERT_EQUAL(p.sess[5].tunnel_id, 12);
	CU_ASSERT_EQUAL(p.sess[5].sa, 2);
	CU_ASSERT_EQUAL(p.sess[5].addr, ip("10.200.0.6"));
	CU_ASSERT_EQUAL(p.sess[7].tunnel_id, 21);
	CU_ASSERT_EQUAL(p.sess[7].sa, 4);
	CU_ASSERT_EQUAL(p.sess[7].addr, ip("10.200.0.8"));
	CU_ASSERT_EQUAL(p.sess[9].sa, TG_NONE);
	CU_ASSERT_EQUAL(p.sess[9].peer, ip("192.0.2.51"));
	CU_ASSERT_EQUAL(p.sess[9].peer_port, 1702);
	CU_ASSERT_EQUAL(p.sess[9].addr, ip("10.200.0.10"));
	/* Grouped by client: client 1 (SA copy 1) has sessions 2 and 3. */
	CU_ASSERT_EQUAL(p.client_count[1], 2);
	CU_ASSERT_EQUAL(p.order[p.client_first[1]], 2);
	CU_ASSERT_EQUAL(p.order[p.client_first[1] + 1], 3);
	/* ARP next hops: peers on 192.0.2.0/24 themselves, 192.0.3.x via the gateway. */
	CU_ASSERT_EQUAL(p.n_nexthops, 3 + 2 + 1);
	tg_plan_free(&p);

	/* An algorithm filter keeps the pool cursor where lnsd has it. */
	CU_ASSERT_EQUAL_FATAL(tg_plan_build(c, LNS_ESP_AES128_SHA1, &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.n_sess, 2);
	CU_ASSERT_EQUAL(p.sess[0].addr, ip("10.200.0.7"));
	CU_ASSERT_EQUAL(p.sess[1].tunnel_id, 21);
	tg_plan_free(&p);
	lns_conf_free(c);
}

static void
test_plan_errors(void)
{
	char err[256];
	struct tg_plan p;
	struct lns_conf *c = load();

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	/* More tunnel copies than SA copies: refused, not read past the SA array. */
	c->stat.tunnels[0].count = 4;
	CU_ASSERT_NOT_EQUAL(tg_plan_build(c, -1, &p, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "fewer copies"));
	c->stat.tunnels[0].count = 3;
	/* A pool that runs out is named. */
	c->ppp.pools[0].last = htonl(ntohl(c->ppp.pools[0].first) + 4);
	CU_ASSERT_NOT_EQUAL(tg_plan_build(c, -1, &p, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "exhausted"));
	lns_conf_free(c);
}

/* ---- frames -------------------------------------------------------------------- */

static int
ipv4_ok(const uint8_t *h)
{
	return (h[0] == 0x45) && tg_cksum_fold(tg_cksum_add(0, h, 20)) == 0xffff;
}

/* UDP checksum over the pseudo-header: 0xffff when valid. */
static int
udp_ok(const uint8_t *u, uint32_t src, uint32_t dst)
{
	uint8_t ph[12];
	uint16_t len = rd16(u + 4);

	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = 17;
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	return rd16(u + 6) != 0 &&
	       tg_cksum_fold(tg_cksum_add(tg_cksum_add(0, ph, 12), u, len)) == 0xffff;
}

static struct lns_esp_sa *
esp_sa_in(const struct tg_sa *s)
{
	struct lns_esp_sa_params prm = {
		.spi = s->spi, .dir = LNS_ESP_DIR_IN,
		.mode = s->mode == LNS_MODE_TUNNEL ? LNS_ESP_MODE_TUNNEL : LNS_ESP_MODE_TRANSPORT,
		.cipher = s->alg == LNS_ESP_AES128_GCM16 ? LNS_ESP_CIPHER_AES_GCM16 :
							   LNS_ESP_CIPHER_AES_CBC,
		.auth = s->alg == LNS_ESP_AES128_GCM16 ? LNS_ESP_AUTH_NONE :
							 LNS_ESP_AUTH_HMAC_SHA1_96,
		.enc_key = s->key, .enc_key_len = s->key_len,
		.auth_key = s->auth_key_len ? s->auth_key : NULL, .auth_key_len = s->auth_key_len,
		.replay_win = 64,
	};
	int sz = lns_esp_sa_size(&prm);
	struct lns_esp_sa *sa;

	if (sz <= 0)
		return NULL;
	sa = rte_zmalloc("tg_sa", (size_t)sz, RTE_CACHE_LINE_SIZE);
	if (sa != NULL && lns_esp_sa_init(sa, mgr, &prm) != 0) {
		rte_free(sa);
		sa = NULL;
	}
	return sa;
}

/*
 * Open an upstream frame with lib/esp and walk it down to the subscriber packet.
 * Returns the subscriber IPv4 length, or -1 (with a CUnit failure) on any mismatch.
 */
static int
open_up(const struct tg_plan *p, const struct tg_session *s, const uint8_t *f, size_t fl,
	struct lns_esp_sa *esa, uint32_t want_seq)
{
	const struct tg_sa *sa = &p->sas[s->sa];
	const uint8_t *ip4 = f + 14, *l2;
	size_t off = 14 + 20;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t st = 0;
	int ret = -1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT(ipv4_ok(ip4));
	CU_ASSERT_EQUAL(rd16(ip4 + 2), fl - 14);
	CU_ASSERT_EQUAL(memcmp(ip4 + 12, &s->peer, 4), 0);
	CU_ASSERT_EQUAL(memcmp(ip4 + 16, &p->acc_addr, 4), 0);
	if (sa->udp_encap) {
		CU_ASSERT_EQUAL(ip4[9], 17);
		CU_ASSERT_EQUAL(rd16(f + off), sa->sport);
		CU_ASSERT_EQUAL(rd16(f + off + 2), 4500);
		CU_ASSERT_EQUAL(rd16(f + off + 4), fl - off);
		off += 8;
	} else {
		CU_ASSERT_EQUAL(ip4[9], 50);
	}
	CU_ASSERT_EQUAL(rd32(f + off), sa->spi);
	CU_ASSERT_EQUAL(rd32(f + off + 4), want_seq);
	memcpy(rte_pktmbuf_append(m, (uint16_t)(fl - off)), f + off, fl - off);
	if (lns_esp_inbound(mgr, &esa, &m, 1, &st) != 1) {
		CU_FAIL("lib/esp refused the frame");
		fprintf(stderr, "  status %s\n", lns_esp_status_name(st));
		rte_pktmbuf_free(m);
		return -1;
	}
	l2 = rte_pktmbuf_mtod(m, const uint8_t *);
	if (sa->mode == LNS_MODE_TUNNEL) {
		CU_ASSERT_EQUAL(st, 4);
		CU_ASSERT(ipv4_ok(l2));
		CU_ASSERT_EQUAL(memcmp(l2 + 12, &s->peer, 4), 0);
		l2 += 20;
	} else {
		CU_ASSERT_EQUAL(st, 17);
	}
	/* UDP 1701 -> L2TP data (T=0, version 2) -> PPP ff 03 00 21 -> IPv4 */
	CU_ASSERT_EQUAL(rd16(l2 + 2), 1701);
	CU_ASSERT(udp_ok(l2, s->peer, p->acc_addr));
	CU_ASSERT_EQUAL(rd16(l2 + 8), 0x0002);
	CU_ASSERT_EQUAL(rd16(l2 + 10), s->tunnel_id);
	CU_ASSERT_EQUAL(rd16(l2 + 12), s->session_id);
	CU_ASSERT_EQUAL(rd32(l2 + 14), 0xff030021);
	CU_ASSERT(ipv4_ok(l2 + 18));
	CU_ASSERT_EQUAL(memcmp(l2 + 18 + 12, &s->addr, 4), 0);
	CU_ASSERT(udp_ok(l2 + 38, s->addr, htonl(TG_REMOTE_HOST)));
	ret = rd16(l2 + 18 + 2);
	CU_ASSERT_EQUAL(rd16(l2 + 4), 8 + 6 + 4 + ret);
	rte_pktmbuf_free(m);
	return ret;
}

static void
test_up_frames_open_with_lib_esp(void)
{
	struct lns_conf *c = load();
	struct tg_opts o = { .remote = htonl(TG_REMOTE_HOST), .seed = 7 };
	static const uint16_t sizes[] = { 28, 64, 129, 512, 1400, 1500 };
	struct lns_esp_sa *esa[5] = { 0 };
	uint8_t f[TG_FRAME_MAX];
	struct tg_plan p;
	char err[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(tg_plan_build(c, -1, &p, err, sizeof(err)), 0);
	memset(o.dst_mac, 0xff, 6);
	for (uint32_t i = 0; i < p.n_sas; i++) {
		esa[i] = esp_sa_in(&p.sas[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(esa[i]);
	}
	/* GCM transport NAT-T (session 5, SA 2) and CBC tunnel plain ESP (session 7,
	 * SA 4); each size twice so sequence numbers must go 1, 2, 3, ... */
	for (unsigned int k = 0; k < 2; k++) {
		const struct tg_session *s = &p.sess[k == 0 ? 5 : 7];

		for (unsigned int i = 0; i < RTE_DIM(sizes) * 2; i++) {
			size_t fl = tg_build_up(&p, s, sizes[i / 2], &o, f, sizeof(f));

			CU_ASSERT_FATAL(fl > 0);
			CU_ASSERT_EQUAL(open_up(&p, s, f, fl, esa[s->sa], i + 1), sizes[i / 2]);
		}
	}
	/* A flipped ciphertext bit is caught by the ICV (so the check above has teeth). */
	{
		const struct tg_session *s = &p.sess[0];
		size_t fl = tg_build_up(&p, s, 100, &o, f, sizeof(f));
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		struct lns_esp_sa *sa = esa[s->sa];
		uint8_t st;

		CU_ASSERT_FATAL(fl > 0 && m != NULL);
		f[fl - 30] ^= 1;
		memcpy(rte_pktmbuf_append(m, (uint16_t)(fl - 42)), f + 42, fl - 42);
		CU_ASSERT_EQUAL(lns_esp_inbound(mgr, &sa, &m, 1, &st), 0);
		CU_ASSERT_EQUAL(st, LNS_ESP_ICV);
		rte_pktmbuf_free(m);
	}
	for (uint32_t i = 0; i < p.n_sas; i++) {
		lns_esp_sa_clear(esa[i]);
		rte_free(esa[i]);
	}
	tg_plan_free(&p);
	lns_conf_free(c);
}

static void
test_plain_and_down_frames(void)
{
	struct lns_conf *c = load();
	struct tg_opts o = { .remote = htonl(TG_REMOTE_HOST), .seed = 1 };
	uint8_t f[TG_FRAME_MAX];
	struct tg_plan p;
	const struct tg_session *s;
	char err[256];
	size_t fl;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(tg_plan_build(c, -1, &p, err, sizeof(err)), 0);
	memcpy(o.dst_mac, "\x02\x11\x22\x33\x44\x55", 6);

	/* Non-secure: UDP from the tunnel's peer port to 1701, L2TP, PPP, IPv4. */
	s = &p.sess[9];
	fl = tg_build_up(&p, s, 200, &o, f, sizeof(f));
	CU_ASSERT_EQUAL_FATAL(fl, 14 + 20 + 8 + 6 + 4 + 200);
	CU_ASSERT_EQUAL(memcmp(f, o.dst_mac, 6), 0);
	CU_ASSERT_EQUAL(rd16(f + 12), 0x0800);
	CU_ASSERT(ipv4_ok(f + 14));
	CU_ASSERT_EQUAL(f[14 + 9], 17);
	CU_ASSERT_EQUAL(rd16(f + 34), 1702);
	CU_ASSERT_EQUAL(rd16(f + 36), 1701);
	CU_ASSERT(udp_ok(f + 34, s->peer, p.acc_addr));
	CU_ASSERT_EQUAL(rd16(f + 44), 31);           /* tunnel copy 1 */
	CU_ASSERT_EQUAL(memcmp(f + 52 + 12, &s->addr, 4), 0);

	/* Downstream: remote -> subscriber, exactly the inner size. */
	fl = tg_build_down(&p, &p.sess[3], 512, &o, f, sizeof(f));
	CU_ASSERT_EQUAL_FATAL(fl, 14 + 512);
	CU_ASSERT(ipv4_ok(f + 14));
	CU_ASSERT_EQUAL(rd16(f + 16), 512);
	CU_ASSERT_EQUAL(memcmp(f + 14 + 16, &p.sess[3].addr, 4), 0);
	CU_ASSERT(udp_ok(f + 34, o.remote, p.sess[3].addr));

	/* Out of range sizes and short buffers build nothing. */
	CU_ASSERT_EQUAL(tg_build_up(&p, &p.sess[0], 27, &o, f, sizeof(f)), 0);
	CU_ASSERT_EQUAL(tg_build_up(&p, &p.sess[0], 1501, &o, f, sizeof(f)), 0);
	CU_ASSERT_EQUAL(tg_build_up(&p, &p.sess[0], 1400, &o, f, 1000), 0);
	CU_ASSERT_EQUAL(tg_build_down(&p, &p.sess[0], 64, &o, f, 70), 0);
	CU_ASSERT_EQUAL(tg_build_arp(1, 2, f, 59), 0);

	/* ARP request: broadcast, sender's address and MAC, target lnsd. */
	fl = tg_build_arp(ip("192.0.2.10"), p.acc_addr, f, sizeof(f));
	CU_ASSERT_EQUAL_FATAL(fl, 60);
	CU_ASSERT_EQUAL(rd16(f + 12), 0x0806);
	CU_ASSERT_EQUAL(rd16(f + 20), 1);
	CU_ASSERT_EQUAL(memcmp(f + 6, f + 22, 6), 0);
	CU_ASSERT_EQUAL(rd32(f + 28), 0xc000020a);
	CU_ASSERT_EQUAL(memcmp(f + 38, &p.acc_addr, 4), 0);
	tg_plan_free(&p);
	lns_conf_free(c);
}

/* ---- pcap ---------------------------------------------------------------------- */

static void
test_pcap_roundtrip(void)
{
	char path[] = "/tmp/test_trafgen.XXXXXX";
	const uint8_t a[60] = { 1, 2, 3 }, b[1514] = { 9 };
	uint8_t buf[2048];
	struct tg_pcap pc;
	uint32_t w[6];
	FILE *f;
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_EQUAL_FATAL(tg_pcap_open(&pc, path), 0);
	CU_ASSERT_EQUAL(tg_pcap_write(&pc, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(tg_pcap_write(&pc, b, sizeof(b)), 0);
	CU_ASSERT_NOT_EQUAL(tg_pcap_write(&pc, a, 0), 0);
	CU_ASSERT_EQUAL(pc.n, 2);
	CU_ASSERT_EQUAL(pc.min_len, 60);
	CU_ASSERT_EQUAL(pc.max_len, 1514);
	CU_ASSERT_EQUAL(tg_pcap_close(&pc), 0);

	f = fopen(path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fread(w, 4, 6, f), 6);
	CU_ASSERT_EQUAL(w[0], 0xa1b2c3d4);
	CU_ASSERT_EQUAL(w[5], 1);                     /* Ethernet */
	CU_ASSERT_EQUAL(fread(w, 4, 4, f), 4);
	CU_ASSERT_EQUAL(w[2], 60);
	CU_ASSERT_EQUAL(w[3], 60);
	CU_ASSERT_EQUAL(fread(buf, 1, 60, f), 60);
	CU_ASSERT_EQUAL(memcmp(buf, a, 60), 0);
	CU_ASSERT_EQUAL(fread(w, 4, 4, f), 4);
	CU_ASSERT_EQUAL(w[2], 1514);
	CU_ASSERT_EQUAL(fread(buf, 1, 1514, f), 1514);
	CU_ASSERT_EQUAL(fread(buf, 1, 1, f), 0);       /* nothing more */
	fclose(f);
	unlink(path);
	CU_ASSERT_NOT_EQUAL(tg_pcap_open(&pc, "/nonexistent-dir/x.pcap"), 0);
}

int
main(void)
{
	char *eal_argv[] = { "test_trafgen", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			     "--no-telemetry", "-l", "0", "--log-level=lib.*:error", NULL };
	CU_pSuite s;
	unsigned int fails;

	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0) {
		fprintf(stderr, "test_trafgen: rte_eal_init failed\n");
		return 2;
	}
	pool = rte_pktmbuf_pool_create("tg_test", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	mgr = lns_esp_mgr_create();
	if (pool == NULL || mgr == NULL) {
		fprintf(stderr, "test_trafgen: no mbuf pool or IPsec-MB manager\n");
		return 2;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("trafgen", NULL, NULL);
	CU_add_test(s, "plan derives lnsd's static provisioning", test_plan_derivation);
	CU_add_test(s, "plan errors are named", test_plan_errors);
	CU_add_test(s, "upstream ESP opens with lib/esp (IPsec-MB)", test_up_frames_open_with_lib_esp);
	CU_add_test(s, "plain L2TP, downstream and ARP frames", test_plain_and_down_frames);
	CU_add_test(s, "pcap file round trip", test_pcap_roundtrip);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	lns_esp_mgr_free(mgr);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return fails ? 1 : 0;
}
