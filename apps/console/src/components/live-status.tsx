/**
 * What a live view says about its stream: live, or (while the stream is down) that it polls every `pollSeconds`
 * and why the stream failed, or that it is connecting.
 */
export function LiveStatus(props: {
  live: boolean;
  polling: boolean;
  streamError: string | undefined;
  pollSeconds: number;
}) {
  return (
    <span className="muted small" role="status">
      {props.live
        ? "● Live"
        : props.polling
          ? `Live updates unavailable (${props.streamError}): refreshing every ${props.pollSeconds} s`
          : "Connecting…"}
    </span>
  );
}
