/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RTMP AMF0 commands (connect, releaseStream, FCPublish, createStream,
 * publish, FCUnpublish, deleteStream, closeStream) and data messages
 * (@setDataFrame / onMetaData), with the answers publishers wait for (see
 * rtmp_session.h for the exchange).
 *
 * Every function here returns 0 or -EPIPE; -EPIPE means the conn closed
 * and may already be freed, so it is returned at once, untouched.
 */
#include <errno.h>
#include <string.h>

#include "rtmp_session_priv.h"

#define FMS_VERSION	 "FMS/3,0,1,123"
#define FMS_CAPABILITIES 31

/* Arguments of a command after its name and transaction id. */
struct cmd {
	const struct spate_rtmp_msg *m;
	double txn;
	struct spate_amf0_cursor args;
};

static struct spate_amf0_writer *amf_begin(struct spate_rtmp_conn *conn,
					   struct spate_amf0_writer *w,
					   const char *name, double txn)
{
	spate_amf0_writer_init(w, conn->lc->amf, sizeof(conn->lc->amf));
	spate_amf0_put_cstr(w, name);
	spate_amf0_put_number(w, txn);
	return w;
}

static int amf_send(struct spate_rtmp_conn *conn, struct spate_amf0_writer *w,
		    uint32_t csid, uint32_t stream_id)
{
	/* Our answers are small and fixed; overflow is a programmer error
	 * that we still end cleanly. */
	if (w->err != 0)
		return rtmp_protocol_error(conn, SPATE_RTMP_PERR_BAD_COMMAND);
	return rtmp_tx_msg(conn, csid, SPATE_RTMP_MSG_COMMAND_AMF0, stream_id,
			   w->buf, (uint32_t)w->len);
}

/* name(0, null, {level, code, description}) on a stream. */
static int send_status(struct spate_rtmp_conn *conn, const char *name,
		       uint32_t csid, uint32_t stream_id, const char *level,
		       const char *code, const char *description)
{
	struct spate_amf0_writer w;

	amf_begin(conn, &w, name, 0);
	spate_amf0_put_null(&w);
	spate_amf0_put_object_begin(&w);
	spate_amf0_put_prop_cstr(&w, "level", level);
	spate_amf0_put_prop_cstr(&w, "code", code);
	spate_amf0_put_prop_cstr(&w, "description", description);
	spate_amf0_put_object_end(&w);
	return amf_send(conn, &w, csid, stream_id);
}

/* _error(txn, null, {level error, code, description}) */
static int send_error(struct spate_rtmp_conn *conn, double txn,
		      const char *code, const char *description)
{
	struct spate_amf0_writer w;

	amf_begin(conn, &w, "_error", txn);
	spate_amf0_put_null(&w);
	spate_amf0_put_object_begin(&w);
	spate_amf0_put_prop_cstr(&w, "level", "error");
	spate_amf0_put_prop_cstr(&w, "code", code);
	spate_amf0_put_prop_cstr(&w, "description", description);
	spate_amf0_put_object_end(&w);
	return amf_send(conn, &w, RTMP_CSID_COMMAND, 0);
}

static bool connected(const struct spate_rtmp_conn *conn)
{
	return conn->phase == SPATE_RTMP_PHASE_CONNECTED ||
	       conn->phase == SPATE_RTMP_PHASE_PUBLISHING;
}

/* Reads an optional string argument, skipping the leading null. */
static int next_string(struct cmd *c, struct spate_amf0_str *out)
{
	struct spate_amf0_value v;

	out->ptr = "";
	out->len = 0;
	while (spate_amf0_read(&c->args, &v) == 0) {
		if (v.type == SPATE_AMF0_NULL || v.type == SPATE_AMF0_UNDEFINED)
			continue;
		if (v.type != SPATE_AMF0_STRING &&
		    v.type != SPATE_AMF0_LONG_STRING)
			return -EBADMSG;
		*out = v.str;
		return 0;
	}
	return -ENOENT;
}

static void get_str(const struct spate_amf0_value *obj, const char *name,
		    struct spate_amf0_str *out)
{
	struct spate_amf0_value v;

	out->ptr = "";
	out->len = 0;
	if (spate_amf0_find(obj, name, &v) == 0 &&
	    (v.type == SPATE_AMF0_STRING || v.type == SPATE_AMF0_LONG_STRING))
		*out = v.str;
}

static double get_num(const struct spate_amf0_value *obj, const char *name)
{
	struct spate_amf0_value v;

	if (spate_amf0_find(obj, name, &v) == 0 && v.type == SPATE_AMF0_NUMBER)
		return v.number;
	return 0;
}

/* ---- connect
 * ----------------------------------------------------------------- */

static int cmd_connect(struct spate_rtmp_conn *conn, struct cmd *c)
{
	const struct spate_rtmp_config *cfg = conn->lc->cfg;
	struct spate_rtmp_connect_info ci;
	struct spate_amf0_value obj, v;
	struct spate_amf0_writer w;
	double object_encoding;
	uint8_t bw[5];

	if (conn->phase != SPATE_RTMP_PHASE_CONNECT)
		return rtmp_protocol_error(conn, SPATE_RTMP_PERR_BAD_COMMAND);
	if (spate_amf0_read(&c->args, &obj) < 0 ||
	    (obj.type != SPATE_AMF0_OBJECT &&
	     obj.type != SPATE_AMF0_ECMA_ARRAY) ||
	    spate_amf0_find(&obj, "app", &v) < 0 || v.type != SPATE_AMF0_STRING)
		return rtmp_protocol_error(conn, SPATE_RTMP_PERR_BAD_COMMAND);
	memset(&ci, 0, sizeof(ci));
	ci.app = v.str;
	/* "rtmp://host/live/key" -> "live"; some clients keep a '/'. */
	if (ci.app.len > 0 && ci.app.ptr[ci.app.len - 1] == '/')
		ci.app.len--;
	if (ci.app.len > SPATE_RTMP_MAX_APP_LEN)
		return rtmp_protocol_error(conn, SPATE_RTMP_PERR_BAD_COMMAND);
	get_str(&obj, "tcUrl", &ci.tc_url);
	get_str(&obj, "flashVer", &ci.flash_ver);
	ci.fourcc_list = spate_amf0_find(&obj, "fourCcList", &v) == 0;
	object_encoding = get_num(&obj, "objectEncoding");

	if (conn->ops->connect != NULL &&
	    conn->ops->connect(conn->ctx, &ci) < 0) {
		conn->lc->stats.connects_rejected++;
		if (send_error(conn, c->txn, "NetConnection.Connect.Rejected",
			       "Connection rejected.") < 0)
			return -EPIPE;
		return rtmp_close(conn, SPATE_RTMP_CLOSE_REJECTED);
	}
	memcpy(conn->app, ci.app.ptr, ci.app.len);
	conn->app_len = (uint8_t)ci.app.len;
	if (ci.fourcc_list)
		conn->flags |= RTMP_F_FOURCC_LIST;
	conn->lc->stats.connects++;

	bw[0] = (uint8_t)(cfg->peer_bandwidth >> 24);
	bw[1] = (uint8_t)(cfg->peer_bandwidth >> 16);
	bw[2] = (uint8_t)(cfg->peer_bandwidth >> 8);
	bw[3] = (uint8_t)cfg->peer_bandwidth;
	bw[4] = 2; /* dynamic */
	if (rtmp_tx_control(conn, SPATE_RTMP_MSG_WINDOW_ACK_SIZE,
			    cfg->window_ack_size) < 0 ||
	    rtmp_tx_msg(conn, RTMP_CSID_CONTROL, SPATE_RTMP_MSG_SET_PEER_BW, 0,
			bw, sizeof(bw)) < 0 ||
	    rtmp_tx_control(conn, SPATE_RTMP_MSG_SET_CHUNK_SIZE,
			    cfg->out_chunk_size) < 0)
		return -EPIPE;
	conn->out_chunk_size = cfg->out_chunk_size;

	amf_begin(conn, &w, "_result", c->txn);
	spate_amf0_put_object_begin(&w);
	spate_amf0_put_prop_cstr(&w, "fmsVer", FMS_VERSION);
	spate_amf0_put_prop_number(&w, "capabilities", FMS_CAPABILITIES);
	if (ci.fourcc_list) {
		/* E-RTMP: the codecs we accept, so clients may use them. */
		spate_amf0_put_key(&w, "fourCcList");
		spate_amf0_put_strict_begin(&w, 3);
		spate_amf0_put_cstr(&w, "av01");
		spate_amf0_put_cstr(&w, "vp09");
		spate_amf0_put_cstr(&w, "hvc1");
	}
	spate_amf0_put_object_end(&w);
	spate_amf0_put_object_begin(&w);
	spate_amf0_put_prop_cstr(&w, "level", "status");
	spate_amf0_put_prop_cstr(&w, "code", "NetConnection.Connect.Success");
	spate_amf0_put_prop_cstr(&w, "description", "Connection succeeded.");
	spate_amf0_put_prop_number(&w, "objectEncoding", object_encoding);
	spate_amf0_put_object_end(&w);
	if (amf_send(conn, &w, RTMP_CSID_COMMAND, 0) < 0)
		return -EPIPE;
	conn->phase = SPATE_RTMP_PHASE_CONNECTED;
	return 0;
}

/* ---- stream commands -------------------------------------------------------
 */

static int cmd_release_stream(struct spate_rtmp_conn *conn, struct cmd *c)
{
	struct spate_amf0_writer w;

	if (c->txn == 0)
		return 0;
	amf_begin(conn, &w, "_result", c->txn);
	spate_amf0_put_null(&w);
	spate_amf0_put_undefined(&w);
	return amf_send(conn, &w, RTMP_CSID_COMMAND, 0);
}

static int cmd_fc_publish(struct spate_rtmp_conn *conn, struct cmd *c)
{
	(void)c;
	return send_status(conn, "onFCPublish", RTMP_CSID_COMMAND, 0, "status",
			   "NetStream.Publish.Start", "FCPublish");
}

static int cmd_create_stream(struct spate_rtmp_conn *conn, struct cmd *c)
{
	struct spate_amf0_writer w;

	amf_begin(conn, &w, "_result", c->txn);
	spate_amf0_put_null(&w);
	spate_amf0_put_number(&w, conn->next_stream_id);
	if (conn->next_stream_id < UINT32_MAX)
		conn->next_stream_id++;
	return amf_send(conn, &w, RTMP_CSID_COMMAND, 0);
}

static int cmd_publish(struct spate_rtmp_conn *conn, struct cmd *c)
{
	struct spate_amf0_str name;
	uint32_t sid = c->m->stream_id ? c->m->stream_id : 1;
	const char *q;
	size_t key_len;
	void *stream = NULL;
	int rc;

	if (conn->phase == SPATE_RTMP_PHASE_PUBLISHING)
		return rtmp_protocol_error(conn, SPATE_RTMP_PERR_BAD_COMMAND);
	if (next_string(c, &name) == -EBADMSG)
		return rtmp_protocol_error(conn, SPATE_RTMP_PERR_BAD_COMMAND);
	/* "key?token=..." -> "key"; the query is the owner's business
	 * only through the key it maps. */
	q = memchr(name.ptr, '?', name.len);
	key_len = q != NULL ? (size_t)(q - name.ptr) : name.len;

	rc = key_len == 0
		     ? -ENOENT
		     : conn->ops->authorize(conn->ctx, conn->app, conn->app_len,
					    name.ptr, key_len, &stream);
	if (rc < 0) {
		if (rc == -ENOENT)
			conn->lc->stats.bad_names++;
		else
			conn->lc->stats.publish_rejected++;
		if (send_status(conn, "onStatus", RTMP_CSID_STATUS, sid,
				"error", "NetStream.Publish.BadName",
				"Stream name not accepted.") < 0)
			return -EPIPE;
		return rtmp_close(conn, SPATE_RTMP_CLOSE_BAD_NAME);
	}
	conn->stream = stream;
	conn->stream_id = sid;
	conn->phase = SPATE_RTMP_PHASE_PUBLISHING;
	conn->lc->stats.publishes++;
	if (rtmp_tx_user_control(conn, 0 /* StreamBegin */, sid) < 0)
		return -EPIPE;
	return send_status(conn, "onStatus", RTMP_CSID_STATUS, sid, "status",
			   "NetStream.Publish.Start", "Start publishing.");
}

static int cmd_fc_unpublish(struct spate_rtmp_conn *conn, struct cmd *c)
{
	bool was = conn->phase == SPATE_RTMP_PHASE_PUBLISHING;
	uint32_t sid = conn->stream_id;

	(void)c;
	rtmp_unpublish(conn);
	if (send_status(conn, "onFCUnpublish", RTMP_CSID_COMMAND, 0, "status",
			"NetStream.Unpublish.Success", "FCUnpublish") < 0)
		return -EPIPE;
	if (!was)
		return 0;
	return send_status(conn, "onStatus", RTMP_CSID_STATUS, sid, "status",
			   "NetStream.Unpublish.Success", "Stop publishing.");
}

static int cmd_delete_stream(struct spate_rtmp_conn *conn, struct cmd *c)
{
	(void)c;
	rtmp_unpublish(conn);
	return 0;
}

static int cmd_unknown(struct spate_rtmp_conn *conn, struct cmd *c)
{
	conn->lc->stats.commands_ignored++;
	/* Answer calls that wait for one, so clients do not hang. */
	if (c->txn == 0)
		return 0;
	return send_error(conn, c->txn, "NetConnection.Call.Failed",
			  "Method not supported.");
}

static const struct {
	const char *name;
	int (*fn)(struct spate_rtmp_conn *conn, struct cmd *c);
	bool needs_connect;
} commands[] = {
	{"connect", cmd_connect, false},
	{"releaseStream", cmd_release_stream, true},
	{"FCPublish", cmd_fc_publish, true},
	{"createStream", cmd_create_stream, true},
	{"publish", cmd_publish, true},
	{"FCUnpublish", cmd_fc_unpublish, true},
	{"deleteStream", cmd_delete_stream, true},
	{"closeStream", cmd_delete_stream, true},
};

int rtmp_command(struct spate_rtmp_conn *conn, const struct spate_rtmp_msg *m)
{
	struct spate_amf0_value name, txn;
	const uint8_t *d = m->data;
	uint32_t len = m->len;
	struct cmd c;

	/* An AMF3 command message is AMF0 after a 0x00 format byte. */
	if (m->type == SPATE_RTMP_MSG_COMMAND_AMF3 && len > 0 && d[0] == 0) {
		d++;
		len--;
	}
	conn->lc->stats.commands++;
	spate_amf0_cursor_init(&c.args, d, len);
	if (spate_amf0_read(&c.args, &name) < 0 ||
	    name.type != SPATE_AMF0_STRING ||
	    spate_amf0_read(&c.args, &txn) < 0 || txn.type != SPATE_AMF0_NUMBER)
		return rtmp_protocol_error(conn, SPATE_RTMP_PERR_BAD_AMF);
	c.m = m;
	c.txn = txn.number;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!spate_amf0_str_eq(&name, commands[i].name))
			continue;
		if (commands[i].needs_connect && !connected(conn))
			return rtmp_protocol_error(conn,
						   SPATE_RTMP_PERR_BAD_COMMAND);
		return commands[i].fn(conn, &c);
	}
	if (!connected(conn))
		return rtmp_protocol_error(conn, SPATE_RTMP_PERR_BAD_COMMAND);
	return cmd_unknown(conn, &c);
}

/* ---- data messages
 * ------------------------------------------------------------ */

static uint32_t codec_id(const struct spate_amf0_value *obj, const char *name)
{
	struct spate_amf0_value v;

	if (spate_amf0_find(obj, name, &v) < 0)
		return 0;
	if (v.type == SPATE_AMF0_NUMBER && v.number >= 0 &&
	    v.number <= (double)UINT32_MAX)
		return (uint32_t)v.number;
	/* Some E-RTMP encoders write the FourCC as a string. */
	if (v.type == SPATE_AMF0_STRING && v.str.len == 4)
		return SPATE_FOURCC(v.str.ptr[0], v.str.ptr[1], v.str.ptr[2],
				    v.str.ptr[3]);
	return 0;
}

/*
 * @setDataFrame("onMetaData", {...}) or onMetaData({...}).  Other data
 * (onTextData, onCuePoint) and malformed AMF are ignored: metadata is
 * advisory and not worth a disconnect.
 */
int rtmp_data(struct spate_rtmp_conn *conn, const struct spate_rtmp_msg *m)
{
	struct spate_amf0_value v, arr;
	struct spate_amf0_cursor c;
	struct spate_rtmp_metadata md;
	const uint8_t *d = m->data, *amf;
	uint32_t len = m->len;

	if (m->type == SPATE_RTMP_MSG_DATA_AMF3 && len > 0 && d[0] == 0) {
		d++;
		len--;
	}
	spate_amf0_cursor_init(&c, d, len);
	amf = c.p;
	if (spate_amf0_read(&c, &v) < 0)
		goto ignore;
	if (spate_amf0_str_eq(&v, "@setDataFrame")) {
		amf = c.p;
		if (spate_amf0_read(&c, &v) < 0)
			goto ignore;
	}
	if (!spate_amf0_str_eq(&v, "onMetaData") ||
	    spate_amf0_read(&c, &arr) < 0 ||
	    (arr.type != SPATE_AMF0_ECMA_ARRAY &&
	     arr.type != SPATE_AMF0_OBJECT))
		goto ignore;
	if (conn->phase != SPATE_RTMP_PHASE_PUBLISHING) {
		conn->lc->stats.media_dropped++;
		return 0;
	}
	memset(&md, 0, sizeof(md));
	md.amf = amf;
	md.amf_len = (uint32_t)(c.p - amf);
	md.timestamp_ms = m->timestamp;
	md.width = get_num(&arr, "width");
	md.height = get_num(&arr, "height");
	md.framerate = get_num(&arr, "framerate");
	md.video_kbps = get_num(&arr, "videodatarate");
	md.audio_kbps = get_num(&arr, "audiodatarate");
	md.audio_sample_rate = get_num(&arr, "audiosamplerate");
	md.video_codec = codec_id(&arr, "videocodecid");
	md.audio_codec = codec_id(&arr, "audiocodecid");
	get_str(&arr, "encoder", &md.encoder);
	conn->lc->stats.metadata++;
	if (conn->ops->on_metadata != NULL &&
	    conn->ops->on_metadata(conn->ctx, conn->stream, &md) < 0)
		return rtmp_close(conn, SPATE_RTMP_CLOSE_MEDIA_REJECTED);
	return 0;
ignore:
	conn->lc->stats.commands_ignored++;
	return 0;
}
