// Test support: an SMDR collector that connects and never reads, with a tiny receive buffer so that the
// kernel holds few records for it and cstabox's own queue limit is what cuts it off. Deno cannot set
// SO_RCVBUF, so the collector is a short Perl program (perl-base is part of every Debian system).

const PROGRAM = `
use Socket;
socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
setsockopt($s, SOL_SOCKET, SO_RCVBUF, pack("i", 2048)) or die "setsockopt: $!";
connect($s, sockaddr_in($ARGV[0], inet_aton("127.0.0.1"))) or die "connect: $!";
$| = 1;
print "connected\\n";
my $eof = <STDIN>;
`;

export interface StalledCollector {
  /** Ends the collector process (closing its socket). */
  close(): Promise<void>;
}

/** Connects a collector to 127.0.0.1:`port` that never reads; resolves once it is connected. */
export async function stalledCollector(port: number): Promise<StalledCollector> {
  const child = new Deno.Command("perl", {
    args: ["-e", PROGRAM, String(port)],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("connected\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stalled collector did not connect: ${text}`);
    text += value;
  }
  reader.releaseLock();
  const writer = child.stdin.getWriter();
  return {
    async close() {
      // End of its standard input ends the program, which closes the socket.
      await writer.close().catch(() => {});
      await child.status;
      await child.stdout.cancel().catch(() => {});
    },
  };
}
