/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "tlb_cksum.h"
#include "tlb_tso.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static uint16_t
rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void
wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

int
tlb_tso_plan(struct tlb_tso *s, const uint8_t *ip, uint32_t ip_len, uint32_t mss)
{
	uint32_t l4, thl, n;

	memset(s, 0, sizeof(*s));
	if (mss == 0 || mss > 0xffff || ip_len < 20)
		return -EINVAL;
	if (ip[0] == 0x45) {		/* IPv4 without options, not a fragment, TCP */
		if ((rd16(ip + 6) & 0x3fff) != 0 || ip[9] != 6 || rd16(ip + 2) != ip_len)
			return -EINVAL;
		l4 = 20;
	} else if (ip[0] >> 4 == 6 && ip_len >= 40) {	/* IPv6, next header TCP */
		if (ip[6] != 6 || rd16(ip + 4) + 40u != ip_len)
			return -EINVAL;
		l4 = 40;
		s->v6 = 1;
	} else {
		return -EINVAL;
	}
	if (ip_len < l4 + 20)
		return -EINVAL;
	thl = (uint32_t)(ip[l4 + 12] >> 4) * 4;
	if (thl < 20 || ip_len < l4 + thl)
		return -EINVAL;
	s->l4_off = (uint16_t)l4;
	s->hdr_len = (uint16_t)(l4 + thl);
	s->payload = ip_len - s->hdr_len;
	s->mss = (uint16_t)mss;
	n = s->payload == 0 ? 1 : (s->payload + mss - 1) / mss;
	if (n > TLB_TSO_MAX_SEGS)
		return -E2BIG;
	s->n = (uint16_t)n;
	return 0;
}

void
tlb_tso_fix(const struct tlb_tso *s, uint8_t *seg, uint32_t i)
{
	uint32_t pay = tlb_tso_seg_payload(s, i), len = s->hdr_len + pay, seq;
	uint8_t *tcp = seg + s->l4_off, fl = tcp[13];
	uint16_t l4len = (uint16_t)(len - s->l4_off), ck;

	if (!s->v6) {
		wr16(seg + 2, (uint16_t)len);
		wr16(seg + 4, (uint16_t)(rd16(seg + 4) + i));
		wr16(seg + 10, 0);
		ck = tlb_cksum_buf(seg, 20);
		memcpy(seg + 10, &ck, 2);
	} else {
		wr16(seg + 4, (uint16_t)(len - 40));
	}
	seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
	seq += i * s->mss;
	tcp[4] = (uint8_t)(seq >> 24);
	tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8);
	tcp[7] = (uint8_t)seq;
	if (i + 1 != s->n)
		fl &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (i != 0)
		fl &= (uint8_t)~TCP_CWR;
	tcp[13] = fl;
	wr16(tcp + 16, 0);
	ck = s->v6 ? tlb_cksum_l4(seg + 8, seg + 24, 16, 6, tcp, l4len) :
		     tlb_cksum_l4(seg + 12, seg + 16, 4, 6, tcp, l4len);
	memcpy(tcp + 16, &ck, 2);
}
