/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore RTMP context: configuration defaults and checks, counters,
 * close reason names.  No connection logic here.
 */
#include <errno.h>
#include <string.h>

#include "rtmp_session.h"

void spate_rtmp_config_default(struct spate_rtmp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->handshake_timeout_ms = SPATE_RTMP_DEFAULT_HANDSHAKE_TIMEOUT_MS;
	cfg->idle_timeout_ms = SPATE_RTMP_DEFAULT_IDLE_TIMEOUT_MS;
	cfg->max_message_bytes = SPATE_RTMP_DEFAULT_MAX_MESSAGE_BYTES;
	cfg->max_chunk_streams = SPATE_RTMP_MAX_CSIDS;
	cfg->out_chunk_size = SPATE_RTMP_DEFAULT_OUT_CHUNK_SIZE;
	cfg->window_ack_size = SPATE_RTMP_DEFAULT_WINDOW_ACK_SIZE;
	cfg->peer_bandwidth = SPATE_RTMP_DEFAULT_PEER_BANDWIDTH;
}

int spate_rtmp_config_check(const struct spate_rtmp_config *cfg)
{
	if (cfg->handshake_timeout_ms == 0 || cfg->idle_timeout_ms == 0)
		return -EINVAL;
	if (cfg->max_message_bytes == 0 ||
	    cfg->max_message_bytes > SPATE_RTMP_MSG_LEN_MAX)
		return -EINVAL;
	if (cfg->max_chunk_streams == 0 ||
	    cfg->max_chunk_streams > SPATE_RTMP_MAX_CSIDS)
		return -EINVAL;
	/* Our own chunks must fit the tx scratch with their headers. */
	if (cfg->out_chunk_size < 128 ||
	    cfg->out_chunk_size > SPATE_RTMP_CHUNK_SIZE_MAX)
		return -EINVAL;
	if (cfg->window_ack_size == 0 || cfg->peer_bandwidth == 0)
		return -EINVAL;
	return 0;
}

void spate_rtmp_counters_add(struct spate_rtmp_counters *dst,
			     const struct spate_rtmp_counters *src)
{
	/* The struct is all uint64_t: add it as an array. */
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;

	for (size_t i = 0; i < sizeof(*dst) / sizeof(uint64_t); i++)
		d[i] += s[i];
}

int spate_rtmp_lcore_init(struct spate_rtmp_lcore *lc,
			  const struct spate_rtmp_config *cfg)
{
	if (spate_rtmp_config_check(cfg) < 0)
		return -EINVAL;
	memset(lc, 0, sizeof(*lc));
	lc->cfg = cfg;
	return 0;
}

static const char *const close_names[SPATE_RTMP_CLOSE_REASON_MAX] = {
	[SPATE_RTMP_CLOSE_PEER] = "peer_closed",
	[SPATE_RTMP_CLOSE_PROTOCOL] = "protocol_error",
	[SPATE_RTMP_CLOSE_BAD_NAME] = "bad_name",
	[SPATE_RTMP_CLOSE_REJECTED] = "connect_rejected",
	[SPATE_RTMP_CLOSE_HANDSHAKE_TIMEOUT] = "handshake_timeout",
	[SPATE_RTMP_CLOSE_IDLE_TIMEOUT] = "idle_timeout",
	[SPATE_RTMP_CLOSE_SEND_FAILED] = "send_failed",
	[SPATE_RTMP_CLOSE_NO_BUFFER] = "no_buffer",
	[SPATE_RTMP_CLOSE_MEDIA_REJECTED] = "media_rejected",
};

const char *spate_rtmp_close_reason_name(enum spate_rtmp_close_reason r)
{
	return (unsigned)r < SPATE_RTMP_CLOSE_REASON_MAX ? close_names[r] : "?";
}
