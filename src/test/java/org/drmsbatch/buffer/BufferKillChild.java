package org.drmsbatch.buffer;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A process to kill for {@link DataBufferKillTest}. {@code store DIR THREADS}: stores chunks from THREADS threads
 * forever, printing {@code STORED <name>} after each store returns. {@code snapshot DIR STEP}: takes a snapshot and,
 * at the named step ("manifest", "moved 3", "renamed", "reset"), prints {@code AT <step>} and waits to be killed.
 */
public final class BufferKillChild {

    public static void main(String[] args) throws Exception {
        DataBuffer buffer = DataBuffer.open(Path.of(args[1]), 2000, 1 << 20);
        System.out.println("OPEN");
        System.out.flush();
        if (args[0].equals("store")) {
            int threads = Integer.parseInt(args[2]);
            AtomicInteger seq = new AtomicInteger();
            for (int t = 0; t < threads; t++) {
                Thread th = new Thread(() -> {
                    try {
                        while (true) {
                            int i = seq.incrementAndGet();
                            StoredChunk c = buffer.store(DataBufferTest.chunk(300, i));
                            synchronized (System.out) {
                                System.out.println("STORED " + c.name() + " " + c.bytes());
                                System.out.flush();
                            }
                        }
                    } catch (Exception e) {
                        e.printStackTrace();
                    }
                });
                th.start();
            }
            Thread.sleep(Long.MAX_VALUE);
        } else {
            String at = args[2];
            buffer.onSnapshotStep(step -> {
                if (step.equals(at)) {
                    System.out.println("AT " + step);
                    System.out.flush();
                    try {
                        Thread.sleep(Long.MAX_VALUE);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            buffer.snapshot("child", "child");
            System.out.println("DONE");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
