/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by rtmp_session.c (connection lifecycle, control
 * messages, media) and rtmp_command.c (AMF commands and metadata).  Not a
 * public header.
 */
#ifndef SPATE_RTMP_SESSION_PRIV_H
#define SPATE_RTMP_SESSION_PRIV_H

#include "rtmp_session.h"

/* Chunk stream ids we send on (nginx-rtmp's choices). */
#define RTMP_CSID_CONTROL 2
#define RTMP_CSID_COMMAND 3
#define RTMP_CSID_STATUS  5

/* conn->flags */
#define RTMP_F_FOURCC_LIST 0x01 /* client announced E-RTMP codecs */
#define RTMP_F_AMF3_ENC	   0x02 /* client asked objectEncoding 3 */

/* Queue one message into the lcore tx scratch.  0 or -EPIPE (closed). */
int rtmp_tx_msg(struct spate_rtmp_conn *conn, uint32_t csid, uint8_t type,
		uint32_t stream_id, const void *payload, uint32_t len);
/* Hand the scratch to ops->send.  0 or -EPIPE. */
int rtmp_tx_flush(struct spate_rtmp_conn *conn);
int rtmp_tx_control(struct spate_rtmp_conn *conn, uint8_t type, uint32_t value);
int rtmp_tx_user_control(struct spate_rtmp_conn *conn, uint16_t event,
			 uint32_t value);

/* Closes with a reason (flushes what is queued first).  Returns -EPIPE. */
int rtmp_close(struct spate_rtmp_conn *conn,
	       enum spate_rtmp_close_reason reason);
/* Counts the reason and closes with PROTOCOL.  Returns -EPIPE. */
int rtmp_protocol_error(struct spate_rtmp_conn *conn,
			enum spate_rtmp_perr perr);
/* Ends the publish, if any (ops->unpublish). */
void rtmp_unpublish(struct spate_rtmp_conn *conn);

/* AMF0 command / data messages.  0 or -EPIPE. */
int rtmp_command(struct spate_rtmp_conn *conn, const struct spate_rtmp_msg *m);
int rtmp_data(struct spate_rtmp_conn *conn, const struct spate_rtmp_msg *m);

#endif /* SPATE_RTMP_SESSION_PRIV_H */
