# qstash_tokens.sh - the QStash signature case table, one case per rule of
# the verifier (runtime/qstash_verify.h), shared by the direct checks and the HTTP checks in
# qstash_verify.sh. Tokens are made here with openssl, coreutils and the
# shell only (common.sh: b64url, jwt_hs256, body_hash), never with syncfn's code.
#
# qv_make NAME T DIR writes DIR/NAME.token and DIR/NAME.body for a delivery
# made at unix time T and sets:
#   QV_EXPECT   "ok", or a phrase the 401 reason must contain
#   QV_CFG_CUR QV_CFG_NEXT QV_CFG_APP   the receiver's configuration ("-": unset)
#   QV_HDR      the header name to send it under (HTTP)
#   QV_EDGE     1 when the outcome turns on the exact second (tolerance edges)
# This file has no test_ functions; tests/run only sources it.

QV_CUR=sig_3kTestCurrentSigningKey0001
QV_NEXT=sig_5ZTestNextSigningKey000002
QV_OTHER=sig_7WUnrelatedSigningKey00003
QV_APP=https://syncfn.example.test
QV_DEST=$QV_APP/api/background/sync/slave-to-prod
QV_TOL=5

qv_list_cases() {
	declare -F | awk '{print $3}' | sed -n 's/^qv_case_//p'
}

# Default delivery: what QStash sends today (nbf 0, aud "", padded body).
qv_defaults() {
	T=$1
	printf '{"source":"qstash","run":"%s"}' "$NAME" >"$BODY"
	QV_HEADER='{"alg":"HS256","typ":"JWT"}'
	QV_KEY=$QV_CUR
	C_aud='""' C_body="\"$(body_hash "$BODY")\"" C_exp=$((T + 300))
	C_iat=$T C_iss='"Upstash"' C_jti="\"jwt_${NAME}_$RANDOM\"" C_nbf=0
	C_sub="\"$QV_DEST\""
	QV_EXPECT=ok QV_CFG_CUR=$QV_CUR QV_CFG_NEXT=$QV_NEXT QV_CFG_APP=$QV_APP
	QV_HDR=Upstash-Signature QV_EDGE=0
}

# The payload from the C_* claims (alphabetical, as QStash orders them);
# a claim set to __omit is left out.
qv_payload_reply() {
	local out='' k v
	for k in aud body exp iat iss jti nbf sub; do
		v=C_$k
		v=${!v}
		[ "$v" = __omit ] && continue
		out+="${out:+,}\"$k\":$v"
	done
	REPLY="{$out}"
}
qv_payload() { qv_payload_reply; printf '%s' "$REPLY"; }

# HMAC-SHA256 of the signing input with key $1, base64url.
qv_hs256() { printf '%s' "$2" | openssl dgst -sha256 -hmac "$1" -binary | b64url; }

# QV_TOKEN from QV_HEADER, the claims and QV_KEY.
qv_build() {
	qv_payload_reply
	jwt_hs256_reply "$QV_KEY" "$QV_HEADER" "$REPLY" || fail "openssl dgst"
	QV_TOKEN=$REPLY
}

# Rebuilds QV_TOKEN, changing the jti, until its signature segment
# contains - or _ (so its standard-alphabet spelling differs).
qv_build_with_urlsafe_signature() {
	local i
	for ((i = 0; i < 50; i++)); do
		C_jti="\"jwt_${NAME}_$i\""
		qv_build
		case ${QV_TOKEN##*.} in *[-_]*) return 0 ;; esac
	done
	fail "no signature with - or _ in 50 tries"
}

# --- the cases --------------------------------------------------------------
qv_case_valid() { qv_build; }
qv_case_valid_lowercase_header() { QV_HDR=upstash-signature; qv_build; }
qv_case_valid_old_style_nbf() { C_nbf=$T; qv_build; }
qv_case_next_key() { QV_KEY=$QV_NEXT; qv_build; }
qv_case_wrong_key() { QV_KEY=$QV_OTHER; QV_EXPECT="signature matches neither"; qv_build; }
qv_case_only_next_configured() { QV_CFG_CUR=-; QV_KEY=$QV_NEXT; qv_build; }
qv_case_only_next_configured_current_signed() {
	QV_CFG_CUR=-; QV_EXPECT="signature does not match the next signing key"; qv_build
}
qv_case_only_current_configured_next_signed() {
	QV_CFG_NEXT=-; QV_KEY=$QV_NEXT
	QV_EXPECT="signature does not match the current signing key"; qv_build
}
qv_case_signed_with_base64_decoded_key() {
	# The key is its string bytes; a signer that base64-decoded it differs.
	local hex h p
	hex=$(printf '%s' "${QV_CUR#sig_}" | openssl base64 -d -A | od -An -tx1 | tr -d ' \n')
	[ -n "$hex" ] || fail "key does not base64-decode"
	h=$(printf '%s' "$QV_HEADER" | b64url); p=$(qv_payload | b64url)
	QV_TOKEN=$h.$p.$(printf '%s' "$h.$p" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hex" -binary | b64url)
	QV_EXPECT="signature matches neither"
}
qv_case_expired() { C_iat=$((T - 900)) C_exp=$((T - 600)); QV_EXPECT="token expired"; qv_build; }
qv_case_exp_edge_last_second() { QV_EDGE=1 C_exp=$((T - QV_TOL + 1)); qv_build; }
qv_case_exp_edge_boundary() { QV_EDGE=1 C_exp=$((T - QV_TOL)); QV_EXPECT="token expired at $((T - QV_TOL))"; qv_build; }
qv_case_nbf_future() { C_nbf=$((T + 3600)); QV_EXPECT="not valid before"; qv_build; }
qv_case_nbf_edge_boundary() { QV_EDGE=1 C_nbf=$((T + QV_TOL)); qv_build; }
qv_case_nbf_edge_one_past() { QV_EDGE=1 C_nbf=$((T + QV_TOL + 1)); QV_EXPECT="not valid before $((T + QV_TOL + 1))"; qv_build; }
qv_case_iat_future() { C_iat=$((T + 3600)); qv_build; }
qv_case_aud_ignored() { C_aud='"https://someone.else"'; qv_build; }
qv_case_only_required_claims() { C_aud=__omit C_iat=__omit C_jti=__omit; qv_build; }
qv_case_wrong_iss() { C_iss='"upstash"'; QV_EXPECT='iss claim is "upstash"'; qv_build; }
qv_case_missing_iss() { C_iss=__omit; QV_EXPECT="no iss claim"; qv_build; }
qv_case_missing_sub() { C_sub=__omit; QV_EXPECT="no sub claim"; qv_build; }
qv_case_missing_exp() { C_exp=__omit; QV_EXPECT="no exp claim"; qv_build; }
qv_case_missing_nbf() { C_nbf=__omit; QV_EXPECT="no nbf claim"; qv_build; }
qv_case_missing_body_claim() { C_body=__omit; QV_EXPECT="no body claim"; qv_build; }
qv_case_exp_not_a_number() { C_exp="\"$((T + 300))\""; QV_EXPECT="exp claim is not a number"; qv_build; }
qv_case_sub_trailing_slash() { C_sub="\"$QV_DEST/\""; QV_EXPECT="does not match the destination"; qv_build; }
qv_case_sub_http_not_https() { C_sub="\"${QV_DEST/https:/http:}\""; QV_EXPECT="does not match the destination"; qv_build; }
qv_case_sub_unchecked_without_app_url() { QV_CFG_APP=-; C_sub='"https://elsewhere.example/x"'; qv_build; }
qv_case_body_tampered_one_byte() {
	qv_build
	printf '{"source":"qstash","run":"%s"}' "${NAME^}" >"$BODY"
	QV_EXPECT="body hash does not match"
}
qv_case_body_one_byte_appended() { qv_build; printf '\n' >>"$BODY"; QV_EXPECT="body hash does not match"; }
qv_case_body_empty() {
	: >"$BODY"
	C_body="\"$(body_hash "$BODY")\""
	[ "$C_body" = '"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU="' ] || fail "empty body hash $C_body"
	qv_build
}
qv_case_body_empty_claim_for_other_body() { qv_build; : >"$BODY"; QV_EXPECT="body hash does not match"; }
qv_case_body_binary() {
	printf '\x00\xff\xfe\x80\r\n\x00\xc3\x28 not utf-8 \xed\xa0\x80' >"$BODY"
	C_body="\"$(body_hash "$BODY")\""
	qv_build
}
qv_case_body_1k() {
	head -c 1024 /dev/zero | tr '\0' 'x' >"$BODY"
	C_body="\"$(body_hash "$BODY")\""
	qv_build
}
qv_case_body_claim_unpadded() { C_body="${C_body%=\"}\""; qv_build; }
qv_case_body_claim_double_padded() { C_body="${C_body%\"}=\""; qv_build; }
qv_case_body_claim_standard_alphabet() {
	local i
	for ((i = 0; i < 50; i++)); do
		printf '{"source":"qstash","n":%d}' "$i" >"$BODY"
		case $(body_hash "$BODY") in *[-_]*) break ;; esac
	done
	C_body="\"$(body_hash "$BODY" | tr -- '-_' '+/')\""
	QV_EXPECT="body hash does not match"; qv_build
}
qv_case_alg_none_unsigned() {
	QV_HEADER='{"alg":"none","typ":"JWT"}'; qv_build
	QV_TOKEN=${QV_TOKEN%.*}.; QV_EXPECT="empty segment"
}
qv_case_alg_none_signed() { QV_HEADER='{"alg":"none","typ":"JWT"}'; QV_EXPECT="alg is none"; qv_build; }
qv_case_alg_hs512() {
	QV_HEADER='{"alg":"HS512","typ":"JWT"}'
	local h p
	h=$(printf '%s' "$QV_HEADER" | b64url); p=$(qv_payload | b64url)
	QV_TOKEN=$h.$p.$(printf '%s' "$h.$p" | openssl dgst -sha512 -hmac "$QV_KEY" -binary | b64url)
	QV_EXPECT="alg is HS512"
}
qv_case_alg_rs256() {
	QV_HEADER='{"alg":"RS256","typ":"JWT"}'
	local h p
	h=$(printf '%s' "$QV_HEADER" | b64url); p=$(qv_payload | b64url)
	[ -f "$DIR/rsa.pem" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$DIR/rsa.pem" 2>/dev/null || fail "openssl genpkey"
	QV_TOKEN=$h.$p.$(printf '%s' "$h.$p" | openssl dgst -sha256 -sign "$DIR/rsa.pem" -binary | b64url)
	QV_EXPECT="alg is RS256"
}
qv_case_alg_with_newline() { QV_HEADER='{"alg":"HS256\n","typ":"JWT"}'; QV_EXPECT="alg is not HS256"; qv_build; }
qv_case_alg_missing() { QV_HEADER='{"typ":"JWT"}'; QV_EXPECT="no alg"; qv_build; }
qv_case_alg_lowercase() { QV_HEADER='{"alg":"hs256","typ":"JWT"}'; QV_EXPECT="alg is hs256"; qv_build; }
qv_case_header_crit() { QV_HEADER='{"alg":"HS256","crit":["exp"],"exp":1}'; QV_EXPECT="crit"; qv_build; }
qv_case_header_not_json() { QV_HEADER='alg=HS256'; QV_EXPECT="header is not a JSON object"; qv_build; }
qv_case_header_trailing_garbage() { QV_HEADER='{"alg":"HS256"}x'; QV_EXPECT="header is not a JSON object"; qv_build; }
qv_case_payload_not_json() {
	local h p
	h=$(printf '%s' "$QV_HEADER" | b64url); p=$(qv_payload | head -c 40 | b64url)
	QV_TOKEN=$h.$p.$(qv_hs256 "$QV_KEY" "$h.$p")
	QV_EXPECT="payload is not a JSON object"
}
qv_case_payload_array() {
	local h p
	h=$(printf '%s' "$QV_HEADER" | b64url); p=$(printf '[%s]' "$(qv_payload)" | b64url)
	QV_TOKEN=$h.$p.$(qv_hs256 "$QV_KEY" "$h.$p")
	QV_EXPECT="payload is not a JSON object"
}
qv_case_two_segments() { qv_build; QV_TOKEN=${QV_TOKEN%.*}; QV_EXPECT="3 dot-separated segments"; }
qv_case_four_segments() { qv_build; QV_TOKEN=$QV_TOKEN.${QV_TOKEN##*.}; QV_EXPECT="3 dot-separated segments"; }
qv_case_empty_payload_segment() { qv_build; QV_TOKEN=${QV_TOKEN%%.*}..${QV_TOKEN##*.}; QV_EXPECT="empty segment"; }
qv_case_token_empty() { qv_build; QV_TOKEN=; QV_EXPECT="missing Upstash-Signature"; }
qv_case_padded_header_and_payload() {
	# Sizes that are not multiples of 3 need padding in both segments.
	QV_HEADER='{"alg":"HS256","typ":"JWT" }'
	[ $(( $(printf '%s' "$(qv_payload)" | wc -c) % 3 )) -ne 0 ] || C_jti="\"${C_jti:1:-1}x\""
	local h p
	h=$(printf '%s' "$QV_HEADER" | openssl base64 -A | tr '+/' '-_')
	p=$(qv_payload | openssl base64 -A | tr '+/' '-_')
	case $h in *=) ;; *) fail "padding expected in $h" ;; esac
	case $p in *=) ;; *) fail "padding expected in $p" ;; esac
	QV_TOKEN=$h.$p.$(qv_hs256 "$QV_KEY" "$h.$p")
}
qv_case_padded_signature() { qv_build; QV_TOKEN=$QV_TOKEN=; }
qv_case_signature_bad_padding() { qv_build; QV_TOKEN=$QV_TOKEN==; QV_EXPECT="signature is not valid base64url"; }
qv_case_signature_standard_alphabet() {
	qv_build_with_urlsafe_signature
	QV_TOKEN=${QV_TOKEN%.*}.$(printf '%s' "${QV_TOKEN##*.}" | tr -- '-_' '+/')
	QV_EXPECT="signature is not valid base64url"
}
qv_case_signature_nonzero_trailing_bits() {
	# 43 characters carry 258 bits: the last character's low 2 bits must be 0.
	qv_build
	local abc=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_
	local last=${QV_TOKEN: -1} rest=${QV_TOKEN:0:-1} i
	i=${abc%%"$last"*}; i=${#i}
	QV_TOKEN=$rest${abc:$((i | 1)):1}
	QV_EXPECT="signature is not valid base64url"
}
qv_case_signature_31_bytes() {
	qv_build
	local h=${QV_TOKEN%.*}
	QV_TOKEN=$h.$(printf '%s' "$h" | openssl dgst -sha256 -hmac "$QV_KEY" -binary | head -c 31 | b64url)
	QV_EXPECT="signature is 31 bytes"
}
qv_case_signature_33_bytes() {
	qv_build
	local h=${QV_TOKEN%.*}
	QV_TOKEN=$h.$({ printf '%s' "$h" | openssl dgst -sha256 -hmac "$QV_KEY" -binary; printf 'x'; } | b64url)
	QV_EXPECT="signature is 33 bytes"
}
# A valid token of exactly $1 bytes: the jti is grown to fit.
qv_sized() {
	local want=$1 n
	C_jti='"jwt_"'
	qv_build
	n=$(( want - ${#QV_TOKEN} ))
	# Unpadded base64url grows 4 characters per 3 bytes: adjust the jti,
	# then nudge one byte at a time (one byte may add 1 or 2 characters).
	C_jti="\"jwt_$(head -c $(( n * 3 / 4 )) /dev/zero | tr '\0' 'a')\""
	qv_build
	while [ ${#QV_TOKEN} -lt "$want" ]; do
		C_jti="\"${C_jti:1:-1}a\""; qv_build
		if [ ${#QV_TOKEN} -gt "$want" ]; then
			QV_HEADER='{"alg":"HS256", "typ":"JWT"}'; C_jti='"jwt_"'; qv_sized "$want"; return
		fi
	done
	[ ${#QV_TOKEN} -eq "$want" ] || fail "token of $want bytes: got ${#QV_TOKEN}"
}
qv_case_token_4096_bytes() { qv_sized 4096; }
qv_case_token_4097_bytes() { qv_sized 4097; QV_EXPECT="over the 4096-byte limit"; }
qv_case_token_5k() { qv_sized 5120; QV_EXPECT="token is 5120 bytes, over the 4096-byte limit"; }

# Nesting that would overflow a worker's stack, and claims that
# other JWT libraries would read differently.
qv_deep() { printf '%*s' "$1" '' | tr ' ' '['; printf '%*s' "$1" '' | tr ' ' ']'; }
qv_case_header_nested_800() { QV_HEADER="{\"a\":$(qv_deep 800)}"; QV_EXPECT="header nests deeper than 8 levels"; qv_build; }
qv_case_payload_nested_800_signed() { C_aud=$(qv_deep 800); QV_EXPECT="payload nests deeper than 8 levels"; qv_build; }
qv_case_payload_nested_8_ok() { C_aud='[[[[[[["x"]]]]]]]'; qv_build; }
qv_case_header_duplicate_alg() { QV_HEADER='{"alg":"none","alg":"HS256","typ":"JWT"}'; QV_EXPECT="header repeats a key"; qv_build; }
qv_case_payload_duplicate_sub() { C_sub="\"$QV_DEST\",\"sub\":\"https://evil.example/\""; QV_EXPECT="payload repeats a key"; qv_build; }
qv_case_sub_with_nul_escape() { C_sub="\"$QV_DEST\\u0000evil\""; QV_EXPECT="payload holds a"; qv_build; }
qv_case_exp_infinite() { C_exp=1e309; QV_EXPECT="not a finite number"; qv_build; }
qv_case_exp_1e20() { C_exp=1e20; QV_EXPECT="s ahead"; qv_build; }
qv_case_nbf_minus_infinite() { C_nbf=-1e309; QV_EXPECT="not a finite number"; qv_build; }

# qv_make NAME T DIR
qv_make() {
	NAME=$1 DIR=$3 BODY=$3/$1.body
	declare -F "qv_case_$NAME" >/dev/null || fail "no case $NAME"
	qv_defaults "$2"
	"qv_case_$NAME"
	printf '%s' "$QV_TOKEN" >"$DIR/$NAME.token"
}
