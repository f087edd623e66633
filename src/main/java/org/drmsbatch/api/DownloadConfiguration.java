package org.drmsbatch.api;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.resource.PathResourceResolver;

/**
 * Serves the {@link DownloadArea} over HTTP: {@code GET <download path>/exports/<requestId>/<file>} and
 * {@code GET <download path>/sums/<partition>/D<sunum>/S<slot>/<file>}, with Spring's static-resource handling
 * (content length, ranges, Last-Modified). A path that would leave its root ({@code ..}, encoded or not) is refused
 * with 4xx by the servlet container or the resource resolver; so are hidden files (the partitions' catalog marker),
 * directories, and anything whose real path is not inside its root ({@link DownloadArea#servable}: a symbolic link
 * pointing outside is not found).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public class DownloadConfiguration implements WebMvcConfigurer {

    private final DownloadArea area;

    public DownloadConfiguration(DownloadArea area) {
        this.area = area;
    }

    @Override
    public void addResourceHandlers(ResourceHandlerRegistry registry) {
        for (Map.Entry<String, java.nio.file.Path> root : area.roots().entrySet()) {
            String location = root.getValue().toUri().toString();
            registry.addResourceHandler(area.basePath() + root.getKey() + "/**")
                    .addResourceLocations(location.endsWith("/") ? location : location + "/")
                    .setCacheControl(CacheControl.maxAge(Duration.ZERO).mustRevalidate())
                    .resourceChain(false)
                    .addResolver(new VisibleFilesOnly());
        }
    }

    /**
     * Resolves plain files only: no hidden file or directory on the way, no directory itself, nothing whose real path
     * leaves the root.
     */
    static final class VisibleFilesOnly extends PathResourceResolver {
        @Override
        protected Resource getResource(String resourcePath, Resource location) throws IOException {
            for (String part : resourcePath.split("/")) {
                if (part.startsWith(".")) {
                    return null;
                }
            }
            Resource r = super.getResource(resourcePath, location); // readable files only, never a directory
            if (r == null || !r.isFile() || !location.isFile()) {
                return null;
            }
            // the checked real path is what is opened, not the path asked for (whose links could change meanwhile)
            return DownloadArea.servablePath(location.getFile().toPath(), r.getFile().toPath())
                    .map(real -> (Resource) new org.springframework.core.io.FileSystemResource(real)).orElse(null);
        }
    }
}
