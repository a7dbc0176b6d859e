/**
 * The ledger's atomic steps as Lua. Each runs on ONE partition of one edition (redis/key-layout.ts
 * `ledgerKeys`: the partition's hash tag, shared with its subscribers), so that a claim and its checks
 * (edition paused or cancelled, subscriber still active) cannot interleave with an unsubscribe or
 * another worker, and stay one slot on Redis Cluster. The edition's status is read from the
 * partition's mirror of it (`status`, written by the edition store after every status change); the
 * global send rate is reserved by the caller before the call (ledger-steps.ts).
 * A claim is stored as `sending@<jobId>#<run>`: a later run of the same job that finds its own job's
 * claim knows the earlier run died mid-send and marks it `uncertain` (never resent automatically).
 * Steps return the partition's open count (pending + sending + retry) so that the caller can finish
 * the edition when the last partition empties (redis-delivery-ledger.ts `finishIfDone`).
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
local function open(counts)
  local n = 0
  -- One HMGET, not three HGETs: this runs after every call.
  for _, v in ipairs(redis.call('HMGET', counts, 'pending', 'sending', 'retry')) do
    n = n + (tonumber(v) or 0)
  end
  return n
end
-- The edition's status as mirrored into this partition ('<rev>|<status>'); nil when never written.
local function mirrored(key)
  local v = redis.call('GET', key)
  if not v then return nil end
  local i = string.find(v, '|', 1, true)
  if i then return string.sub(v, i + 1) end
  return v
end
`;

/**
 * The two per-recipient steps, claim and record, as functions over one partition's keys
 * (KEYS[1..6]: ledger, counts, claims, status mirror, detail, attempts); a claim also reads its
 * subscriber's hash (same partition), which the caller passes.
 */
const STEPS = `${COMMON}
-- The counts are brought up to date once, at the end of the call (\`settle\`), not after each step:
-- nothing else runs meanwhile, so they are exact when the call returns, and a message costs fewer
-- Redis commands.
local delta = {}
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
end
-- Returns: claimed | paused | cancelled | skipped | uncertain | <current state>
local function claim(sid, subscriber, token, jobId, nowIso, nowMs, est)
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
      return 'uncertain'
    end
    return st
  end
  if st ~= 'pending' and st ~= 'retry' then return st end
  local status = redis.call('HGET', subscriber, 'status')
  if status ~= 'active' then
    shift(sid, st, 'skipped')
    redis.call('HSET', KEYS[5], sid, cjson.encode({reason = 'subscriber ' .. (status or 'deleted') .. ' since the freeze', at = nowIso}))
    return 'skipped'
  end
  shift(sid, st, 'sending@' .. token)
  redis.call('ZADD', KEYS[3], nowMs, sid)
  return 'claimed'
end

-- Accepts the outcome from our own claim, or a final outcome for a claim reconcile already called
-- uncertain. \`pending\` hands a claim back without counting an attempt (the edition paused).
-- Returns: ok | stale | missing
local function record(sid, token, outcome, detail)
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
  return 'ok'
end
`;

/** Values per step in LEDGER_STEPS's ARGV (see there). */
export const STEP_ARGS = 8;

/**
 * Any number of ledger steps of one edition's partition in one call, in order: the claims and records
 * that a worker's lanes asked for in the same turn of its event loop (ledger-steps.ts). Each step is
 * a record, a claim, or both (a lane's previous recipient recorded, its next one claimed: the record
 * stands whatever the claim answers). A claim comes right before its own hand-off, as ever; only the
 * round trip is shared.
 * KEYS: ledger, counts, claims, status mirror, detail, attempts, then per step its claim's subscriber
 * hash (the ledger's key when the step claims nobody).
 * ARGV per step (STEP_ARGS values): token (jobId#run), jobId, nowIso, nowMs, recordSid ('' for no
 * record), outcome, detailJson ('' for none), claimSid ('' for no claim).
 * Returns { {recordResult or '', claimResult or ''} per step..., open count of the partition }.
 */
export const LEDGER_STEPS = `${STEPS}
local out = {}
-- The edition's status, read once for the call's claims: only other clients pause or cancel an
-- edition (a step here can at most finish it, which a claim treats like sending).
local est = nil
local n = #ARGV / ${STEP_ARGS}
for j = 0, n - 1 do
  local a = j * ${STEP_ARGS}
  local recorded, claimed = '', ''
  if ARGV[a + 5] ~= '' then recorded = record(ARGV[a + 5], ARGV[a + 1], ARGV[a + 6], ARGV[a + 7]) end
  if ARGV[a + 8] ~= '' then
    est = est or mirrored(KEYS[4]) or 'sending'
    claimed = claim(ARGV[a + 8], KEYS[7 + j], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], est)
  end
  out[j + 1] = { recorded, claimed }
end
settle()
out[n + 1] = open(KEYS[2])
return out
`;

/**
 * Moves the given subscribers of one partition from one state (base name; `sending` matches any
 * claim) to another. KEYS: ledger, counts, claims; ARGV: from, to, subscriberIds...
 * Returns { moved, open count of the partition }.
 */
export const TRANSITION = `${COMMON}
local from, to = ARGV[1], ARGV[2]
local moved = 0
for i = 3, #ARGV do
  local st = redis.call('HGET', KEYS[1], ARGV[i])
  if st and base(st) == from then
    move(KEYS[1], KEYS[2], ARGV[i], st, to)
    if from == 'sending' then redis.call('ZREM', KEYS[3], ARGV[i]) end
    moved = moved + 1
  end
end
return { moved, open(KEYS[2]) }
`;

/**
 * Feedback about one delivery (a bounce, a complaint, a mailto unsubscribe after the hand-off). The
 * delivery's state stays what the hand-off made it (`sent`: the relay did accept it); the edition's
 * feedback counts (per partition, added up where read) say how many of its deliveries were followed
 * by each kind, once per subscriber.
 * KEYS: ledger, feedback, feedbackOf (the subscriber's partition). ARGV: subscriberId, kind, detailJson.
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

/**
 * The edition's side of finishing, once every partition's open count read 0: `sending` -> `sent`,
 * unless deliveries were reopened (retry/resend: `reopened` moved) since the caller read it.
 * KEYS: edition. ARGV: reopened as read, nowIso. Returns 1 when finished.
 */
export const FINISH = `
if redis.call('HGET', KEYS[1], 'status') ~= 'sending' then return 0 end
if (redis.call('HGET', KEYS[1], 'reopened') or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', 'sent', 'finishedAt', ARGV[2])
return 1
`;

/**
 * Writes the edition's status into one partition's mirror, unless a newer one is there already
 * (each status change bumps the edition's `statusRev`), so mirrors written out of order end right.
 * KEYS: status mirror. ARGV: statusRev, status. Returns 1 when written.
 */
export const MIRROR_STATUS = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local rev = tonumber(string.match(cur, '^(%d+)|'))
  if rev and rev >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2])
return 1
`;

/**
 * Makes a staged build one partition's live ledger (the commit's second step; editions/
 * redis-edition-store.ts). Idempotent: a partition already at this build (or a later one) is left
 * alone, so a commit that died half-way is finished by running it again.
 * KEYS: build marker, then the staging and live name of each LEDGER_STAGED key (4 pairs), then claims,
 * attempts, feedback, feedbackOf (they belong to the generation they were made in).
 * ARGV: build. Returns 1 when promoted.
 */
export const PROMOTE = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if cur >= tonumber(ARGV[1]) then return 0 end
for i = 2, 9, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('RENAME', KEYS[i], KEYS[i + 1])
  else redis.call('DEL', KEYS[i + 1]) end
end
redis.call('DEL', KEYS[10], KEYS[11], KEYS[12], KEYS[13])
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;
