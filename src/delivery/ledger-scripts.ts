/**
 * The ledger's atomic steps as Lua, so that a claim and its checks (edition paused or cancelled,
 * subscriber still active, global send rate) cannot interleave with an unsubscribe or another worker.
 * A claim is stored as `sending@<jobId>#<run>`: a later run of the same job that finds its own job's
 * claim knows the earlier run died mid-send and marks it `uncertain` (never resent automatically).
 */

const COMMON = `
local function base(s)
  local i = string.find(s, '@', 1, true)
  if i then return string.sub(s, 1, i - 1) end
  return s
end
local function move(ledger, counts, sid, from, to)
  redis.call('HSET', ledger, sid, to)
  redis.call('HINCRBY', counts, base(from), -1)
  redis.call('HINCRBY', counts, base(to), 1)
end
local function finish(counts, edition, now)
  local open = 0
  for _, s in ipairs({'pending', 'sending', 'retry'}) do
    open = open + (tonumber(redis.call('HGET', counts, s)) or 0)
  end
  if open == 0 and redis.call('HGET', edition, 'status') == 'sending' then
    redis.call('HSET', edition, 'status', 'sent', 'finishedAt', now)
  end
end
`;

/**
 * The two per-recipient steps as functions over one key layout, shared by the scripts below.
 * KEYS: ledger, counts, claims, edition, detail, attempts, subscriber (the one to claim), rate
 */
const STEPS = `${COMMON}
-- Returns: claimed | paused | cancelled | ratelimited | skipped | uncertain | <current state>
local function claim(sid, token, jobId, nowIso, nowMs, rate)
  local st = redis.call('HGET', KEYS[1], sid)
  if not st then return 'missing' end
  local est = redis.call('HGET', KEYS[4], 'status')
  if est == 'cancelled' then
    if st == 'pending' or st == 'retry' then move(KEYS[1], KEYS[2], sid, st, 'cancelled') end
    return 'cancelled'
  end
  if est == 'paused' then return 'paused' end
  if base(st) == 'sending' then
    local owner = string.sub(st, 9)
    if owner ~= token and string.sub(owner, 1, #jobId + 1) == jobId .. '#' then
      move(KEYS[1], KEYS[2], sid, st, 'uncertain')
      redis.call('ZREM', KEYS[3], sid)
      redis.call('HSET', KEYS[5], sid, cjson.encode({reason = 'worker died during the SMTP hand-off', at = nowIso}))
      finish(KEYS[2], KEYS[4], nowIso)
      return 'uncertain'
    end
    return st
  end
  if st ~= 'pending' and st ~= 'retry' then return st end
  local status = redis.call('HGET', KEYS[7], 'status')
  if status ~= 'active' then
    move(KEYS[1], KEYS[2], sid, st, 'skipped')
    redis.call('HSET', KEYS[5], sid, cjson.encode({reason = 'subscriber ' .. (status or 'deleted') .. ' since the freeze', at = nowIso}))
    finish(KEYS[2], KEYS[4], nowIso)
    return 'skipped'
  end
  rate = tonumber(rate)
  if rate > 0 then
    local n = redis.call('INCR', KEYS[8])
    if n == 1 then redis.call('PEXPIRE', KEYS[8], 2000) end
    if n > rate then return 'ratelimited' end
  end
  move(KEYS[1], KEYS[2], sid, st, 'sending@' .. token)
  redis.call('ZADD', KEYS[3], nowMs, sid)
  return 'claimed'
end

-- Accepts the outcome from our own claim, or a final outcome for a claim reconcile already called
-- uncertain. \`pending\` hands a claim back without counting an attempt (the edition paused).
-- Returns: ok | stale | missing
local function record(sid, token, outcome, detail, nowIso)
  local st = redis.call('HGET', KEYS[1], sid)
  if not st then return 'missing' end
  local ours = (st == 'sending@' .. token)
  if not ours and not (st == 'uncertain' and (outcome == 'sent' or outcome == 'bounced' or outcome == 'failed')) then
    return 'stale'
  end
  move(KEYS[1], KEYS[2], sid, st, outcome)
  redis.call('ZREM', KEYS[3], sid)
  if detail ~= '' then redis.call('HSET', KEYS[5], sid, detail) end
  if outcome == 'retry' then redis.call('HINCRBY', KEYS[6], sid, 1) end
  finish(KEYS[2], KEYS[4], nowIso)
  return 'ok'
end
`;

/**
 * A claim right before the hand-off. A claim is stored as `sending@<jobId>#<run>`.
 * ARGV: subscriberId, token (jobId#run), jobId, nowIso, nowMs, ratePerSecond
 */
export const CLAIM = `${STEPS}
return claim(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
`;

/**
 * ARGV: subscriberId, token, outcome (sent|retry|pending|bounced|failed|uncertain), detailJson ('' for none), nowIso
 */
export const RECORD = `${STEPS}
return record(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
`;

/**
 * A lane's previous recipient recorded and its next one claimed in one round trip (the hot path:
 * one Redis call per message instead of two). Still two separate steps: the record stands whatever
 * the claim answers. KEYS[7] is the subscriber to claim.
 * ARGV: token, jobId, nowIso, nowMs, ratePerSecond, recordSid, outcome, detailJson, claimSid
 * Returns: { recordResult, claimResult }
 */
export const RECORD_AND_CLAIM = `${STEPS}
local recorded = record(ARGV[6], ARGV[1], ARGV[7], ARGV[8], ARGV[3])
return { recorded, claim(ARGV[9], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]) }
`;

/**
 * Moves the given subscribers from one state (base name; `sending` matches any claim) to another.
 * KEYS: ledger, counts, claims, edition; ARGV: from, to, nowIso, subscriberIds...
 */
export const TRANSITION = `${COMMON}
local from, to = ARGV[1], ARGV[2]
local moved = 0
for i = 4, #ARGV do
  local st = redis.call('HGET', KEYS[1], ARGV[i])
  if st and base(st) == from then
    move(KEYS[1], KEYS[2], ARGV[i], st, to)
    if from == 'sending' then redis.call('ZREM', KEYS[3], ARGV[i]) end
    moved = moved + 1
  end
end
finish(KEYS[2], KEYS[4], ARGV[3])
return moved
`;
