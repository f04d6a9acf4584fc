/** What an engine handed its backend: delivered frames per channel and resync calls. */
export class EngineRecorder {
  readonly frames: Array<{ channel: string; frame: string }> = []
  readonly resyncs: string[][] = []
  readonly deliver = (channel: string, frame: string): void => {
    this.frames.push({ channel, frame })
  }
  readonly resync = (channels: string[]): void => {
    this.resyncs.push([...channels].sort())
  }

  on(channel: string): string[] {
    return this.frames.filter((f) => f.channel === channel).map((f) => f.frame)
  }
}
