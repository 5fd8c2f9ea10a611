/** The text of `breakerbox --help`. */
export const HELP = `breakerbox: see and control the breakers a fleet shares in Redis

Usage: breakerbox <command> [arguments] [options]

Commands:
  status [name]           every breaker in the namespace (or one), as a table
  watch                   live: one line per transition, the table redrawn (Ctrl-C stops)
  events <name>           a breaker's recent transitions (its capped events stream)
  trip <name> [--for 30s] force a breaker open, fleet-wide (without --for: until close/reset)
  close <name>            force a breaker closed, fleet-wide (nothing trips it until reset)
  reset <name>            back to closed: clears any override, the window and the backoff
  health <url>            GET <url>/health (the Fastify plugin's route) and print the status

Options:
  --redis <url>           Redis to read (default: $REDIS_URL, else redis://127.0.0.1:6379)
  --cluster               --redis is one startup node of a Redis Cluster
  -n, --namespace <ns>    the box's namespace (default: $BREAKERBOX_NAMESPACE, else breakerbox)
  --json                  machine-readable output (watch: one JSON object per line)
  --for <duration>        trip: how long to stay forced open (500ms, 30s, 5m, 2h; up to 7d)
  --create                trip, close: create the record when no replica has used the breaker yet
  --count <n>             events: how many of the newest transitions (default 20, up to 1000)
  --timeout <duration>    health: how long to wait for the answer (default 5s)
  -h, --help              this text
  --version               the package version

Exit codes:
  0  ok (status: every breaker closed; health: healthy or degraded)
  1  a breaker is open or half-open (status), or the endpoint is unhealthy or unreachable (health)
  2  usage: a bad command, argument or option
  3  Redis unreachable (or it stopped answering mid-command)
  4  no such breaker in the namespace
  70 an unexpected error (a bug: please report it)
`;
