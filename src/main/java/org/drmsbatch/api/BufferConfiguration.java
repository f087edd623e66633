package org.drmsbatch.api;

import java.io.IOException;

import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.config.DrmsProperties;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.util.unit.DataSize;

/**
 * The {@link DataBuffer} from {@code drms.buffer.*}, opened (and so recovered) when first needed: at start-up in
 * the web server, whose controllers use it; never in commands that do not touch it, so they can run next to a
 * server that owns the buffer.
 */
@Configuration(proxyBeanMethods = false)
public class BufferConfiguration {

    @Bean(destroyMethod = "close")
    @Lazy
    DataBuffer dataBuffer(DrmsProperties properties,
                          @Value("${drms.buffer.directory:}") String directory,
                          @Value("${drms.buffer.max-size:2000B}") DataSize maxSize,
                          @Value("${drms.buffer.max-chunk-bytes:4MB}") DataSize maxChunkBytes) throws IOException {
        return DataBuffer.open(properties.bufferDirectory(directory), maxSize.toBytes(), maxChunkBytes.toBytes());
    }
}
