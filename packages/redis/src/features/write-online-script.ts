/**
 * The stale-write rule, run atomically on the server. KEYS are the records' hashes; ARGV holds three
 * values per record: its event time, its encoded value, and its expiry time in epoch ms (empty for
 * none). A record is written only when no value is stored or its event time is strictly newer than the
 * stored one. Every stored time is read before anything is written, so a key of the wrong type fails
 * the script before it changed anything. Returns how many records were written.
 */
export const WRITE_ONLINE_LUA = `
local newer = {}
for i = 1, #KEYS do
  local stored = redis.call('HGET', KEYS[i], 'e')
  newer[i] = (not stored) or tonumber(ARGV[3 * i - 2]) > tonumber(stored)
end
local written = 0
for i = 1, #KEYS do
  if newer[i] then
    redis.call('HSET', KEYS[i], 'e', ARGV[3 * i - 2], 'v', ARGV[3 * i - 1])
    local at = ARGV[3 * i]
    if at == '' then redis.call('PERSIST', KEYS[i]) else redis.call('PEXPIREAT', KEYS[i], at) end
    written = written + 1
  end
end
return written
`;

/** The name the script is defined under on a client (`defineCommand`), namespaced to this package. */
export const WRITE_ONLINE_COMMAND = "mlstackFeaturesWriteOnline";

/**
 * Reads the encoded value (which carries the event time too) of every key in KEYS: one command instead
 * of one per key,
 * so the client builds, sends and settles one request per online read whatever its size; a missing
 * key gives nil.
 */
export const READ_ONLINE_LUA = `
local out = {}
for i = 1, #KEYS do out[i] = redis.call('HGET', KEYS[i], 'v') end
return out
`;

/** The name the read script is defined under on a client. */
export const READ_ONLINE_COMMAND = "mlstackFeaturesReadOnline";
