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
  -- One HMGET, not three HGETs: this runs after every recorded outcome.
  for _, n in ipairs(redis.call('HMGET', counts, 'pending', 'sending', 'retry')) do
    open = open + (tonumber(n) or 0)
  end
  if open == 0 and redis.call('HGET', edition, 'status') == 'sending' then
    redis.call('HSET', edition, 'status', 'sent', 'finishedAt', now)
  end
end
`;

/**
 * The two per-recipient steps, claim and record, as functions over the edition's keys
 * (KEYS[1..6]: ledger, counts, claims, edition, detail, attempts); a claim also reads its subscriber's
 * status key and counts against the send rate's key of its second, which the caller passes.
 */
const STEPS = `${COMMON}
-- The counts and the edition's completion are brought up to date once, at the end of the call
-- (\`settle\`), not after each step: nothing else runs meanwhile, so they are exact when the call
-- returns, and a message costs about 9 Redis commands instead of 13.
local delta = {}
local finishAt = nil
local function shift(sid, from, to)
  redis.call('HSET', KEYS[1], sid, to)
  local f, t = base(from), base(to)
  if f ~= t then
    delta[f] = (delta[f] or 0) - 1
    delta[t] = (delta[t] or 0) + 1
  end
end
local function settle()
  for state, n in pairs(delta) do
    if n ~= 0 then redis.call('HINCRBY', KEYS[2], state, n) end
  end
  if finishAt then finish(KEYS[2], KEYS[4], finishAt) end
end
-- Returns: claimed | paused | cancelled | ratelimited | skipped | uncertain | <current state>
local function claim(sid, subscriber, rateKey, token, jobId, nowIso, nowMs, rate, est)
  local st = redis.call('HGET', KEYS[1], sid)
  if not st then return 'missing' end
  if est == 'cancelled' then
    if st == 'pending' or st == 'retry' then shift(sid, st, 'cancelled') end
    return 'cancelled'
  end
  if est == 'paused' then return 'paused' end
  -- A draft sends nobody (a job left from a cancelled generation that was reopened): its batch stops
  -- as if paused; the draft's own send dispatches new jobs. 'built'/'ready': drafts of older code.
  if est == 'draft' or est == 'built' or est == 'ready' then return 'paused' end
  if base(st) == 'sending' then
    local owner = string.sub(st, 9)
    if owner ~= token and string.sub(owner, 1, #jobId + 1) == jobId .. '#' then
      shift(sid, st, 'uncertain')
      redis.call('ZREM', KEYS[3], sid)
      redis.call('HSET', KEYS[5], sid, cjson.encode({reason = 'worker died during the SMTP hand-off', at = nowIso}))
      finishAt = nowIso
      return 'uncertain'
    end
    return st
  end
  if st ~= 'pending' and st ~= 'retry' then return st end
  local status = redis.call('HGET', subscriber, 'status')
  if status ~= 'active' then
    shift(sid, st, 'skipped')
    redis.call('HSET', KEYS[5], sid, cjson.encode({reason = 'subscriber ' .. (status or 'deleted') .. ' since the freeze', at = nowIso}))
    finishAt = nowIso
    return 'skipped'
  end
  rate = tonumber(rate)
  if rate > 0 then
    local n = redis.call('INCR', rateKey)
    if n == 1 then redis.call('PEXPIRE', rateKey, 2000) end
    if n > rate then return 'ratelimited' end
  end
  shift(sid, st, 'sending@' .. token)
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
  shift(sid, st, outcome)
  redis.call('ZREM', KEYS[3], sid)
  if detail ~= '' then redis.call('HSET', KEYS[5], sid, detail) end
  if outcome == 'retry' then redis.call('HINCRBY', KEYS[6], sid, 1) end
  finishAt = nowIso
  return 'ok'
end
`;

/** Values per step in LEDGER_STEPS's ARGV (see there). */
export const STEP_ARGS = 9;

/**
 * Any number of ledger steps of one edition in one call, in order: the claims and records that a
 * worker's lanes asked for in the same turn of its event loop (ledger-steps.ts). Each step is a
 * record, a claim, or both (a lane's previous recipient recorded, its next one claimed: the record
 * stands whatever the claim answers). A claim comes right before its own hand-off, as ever; only
 * the round trip is shared.
 * KEYS: ledger, counts, claims, edition, detail, attempts, then per step its subscriber's key and
 * the send rate's key of its second.
 * ARGV per step (STEP_ARGS values): token (jobId#run), jobId, nowIso, nowMs, ratePerSecond,
 * recordSid ('' for no record), outcome, detailJson ('' for none), claimSid ('' for no claim).
 * Returns per step { recordResult or '', claimResult or '' }.
 */
export const LEDGER_STEPS = `${STEPS}
local out = {}
-- The edition's status, read once for the call's claims: only other clients pause or cancel an
-- edition (a step here can at most finish it, which a claim treats like sending).
local est = nil
for j = 0, #ARGV / ${STEP_ARGS} - 1 do
  local a = j * ${STEP_ARGS}
  local recorded, claimed = '', ''
  if ARGV[a + 6] ~= '' then recorded = record(ARGV[a + 6], ARGV[a + 1], ARGV[a + 7], ARGV[a + 8], ARGV[a + 3]) end
  if ARGV[a + 9] ~= '' then
    est = est or redis.call('HGET', KEYS[4], 'status')
    claimed = claim(ARGV[a + 9], KEYS[7 + 2 * j], KEYS[8 + 2 * j], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], est)
  end
  out[j + 1] = { recorded, claimed }
end
settle()
return out
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

/**
 * Feedback about one delivery (a bounce, a complaint, a mailto unsubscribe after the hand-off). The
 * delivery's state stays what the hand-off made it (`sent`: the relay did accept it); the edition's
 * feedback counts say how many of its deliveries were followed by each kind, once per subscriber.
 * KEYS: ledger, feedback, feedbackOf. ARGV: subscriberId, kind, detailJson.
 * Returns: recorded | repeat | missing (not a recipient of this edition).
 */
export const RECORD_FEEDBACK = `
local st = redis.call('HGET', KEYS[1], ARGV[1])
if not st then return 'missing' end
local detail = cjson.decode(ARGV[3])
detail.state = st
if redis.call('HSETNX', KEYS[3], ARGV[1] .. '|' .. ARGV[2], cjson.encode(detail)) == 0 then return 'repeat' end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
if st == 'sent' then redis.call('HINCRBY', KEYS[2], ARGV[2] .. '-after-sent', 1) end
return 'recorded'
`;
