package org.drmsbatch.api.security;

import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.DispatcherType;
import org.drmsbatch.api.security.DrmsSecurityProperties.Role;
import org.drmsbatch.config.ApiToken;
import org.drmsbatch.config.DrmsProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.access.hierarchicalroles.RoleHierarchyImpl;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.annotation.web.configurers.AuthorizeHttpRequestsConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Who may call what on {@code drms serve}. Scripts send the API token ({@code Authorization: Bearer …}, see
 * {@link ApiToken}); people log in with HTTP Basic as a user of {@code drms.security.users} (hashed secrets).
 * Roles: read &lt; operate &lt; admin, each including the ones before it; the token has all.
 * <ul>
 * <li>operate: every request that changes something: {@code POST /api/jobs/**} (start, stop, restart),
 * {@code /streamdata}, {@code /cleanbuf}, {@code /train} (whose glitchflow body {@code {"user","token"}} may carry
 * the credentials instead, see {@link Operators}), and any other method than GET/HEAD;</li>
 * <li>admin: {@code POST /api/jobs/executions/{id}/recover} (it overrules the check that the owner is dead);</li>
 * <li>read: GET and HEAD elsewhere, open to anyone while {@code drms.security.open-reads} is true (the
 * default);</li>
 * <li>the WLCG Tape REST discovery document ({@code /.well-known/wlcg-tape-rest-api}): open to anyone, whatever
 * credentials come with it (a chain of its own, {@link #wlcgTapeDiscovery});</li>
 * <li>{@code GET /actuator/health}: open to anyone (load balancers), its details only to the role read; the other
 * actuator endpoints ({@code /actuator/prometheus}, {@code /actuator/info}) are reads;</li>
 * <li>the JSOC API ({@code /cgi-bin/ajax/**}) follows {@code drms.security.jsoc.*}: reads open, and export
 * requests open to registered addresses ({@code drms.export.allowed-addresses}) as JSOC has them, by default.</li>
 * </ul>
 * Refusals are problem JSON ({@link SecurityProblems}). No session, no cookie, so no CSRF token; but a browser
 * resends HTTP Basic credentials it was given, so a change a browser says comes from another site is refused
 * ({@link CrossSiteRequests}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableWebSecurity
@EnableConfigurationProperties(DrmsSecurityProperties.class)
public class SecurityConfiguration {

    @Bean
    ApiToken apiToken(DrmsSecurityProperties security, DrmsProperties drms) {
        return ApiToken.resolve(security.token(), drms.home());
    }

    /**
     * No observation per security filter and request: Spring Security would otherwise wrap each of the chain's dozen
     * filters in an observation of its own, about a third of the server's CPU for a small request and more code for
     * the JIT to compile before a busy server settles. Requests stay observed as a whole
     * ({@code http_server_requests_seconds}), and authentications and authorizations as Spring Security observes them.
     */
    @Bean
    static SecurityObservationSettings securityObservations() {
        return SecurityObservationSettings.withDefaults().shouldObserveRequests(false).build();
    }

    @Bean
    static RoleHierarchy roleHierarchy() {
        return RoleHierarchyImpl.withDefaultRolePrefix()
                .role(Role.ADMIN.name()).implies(Role.OPERATE.name())
                .role(Role.OPERATE.name()).implies(Role.READ.name())
                .build();
    }

    @Bean
    PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    @Bean
    UserDetailsService users(DrmsSecurityProperties security) {
        List<UserDetails> users = new ArrayList<>();
        security.users().forEach((name, u) -> users.add(User.withUsername(name).password(u.password())
                .roles(u.roles().stream().map(r -> Role.of(r, "drms.security.users." + name).name())
                        .toArray(String[]::new))
                .build()));
        return new InMemoryUserDetailsManager(users);
    }

    /**
     * The WLCG Tape REST discovery document ({@code /.well-known/wlcg-tape-rest-api}) names this site and its
     * endpoint: open to anyone, whatever credentials come with it. A grid client (gfal2, FTS) sends its bearer token
     * along to discovery too, and a token meant for another service must not hide where the API is.
     */
    @Bean
    @Order(1)
    SecurityFilterChain wlcgTapeDiscovery(HttpSecurity http) throws Exception {
        http.securityMatcher(path("/.well-known/wlcg-tape-rest-api"))
                .csrf(c -> c.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(c -> c.disable())
                .authorizeHttpRequests(a -> a.anyRequest().permitAll());
        return http.build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain api(HttpSecurity http, DrmsSecurityProperties security, ApiToken token) throws Exception {
        SecurityProblems problems = new SecurityProblems();
        RequestMatcher jsocFetch = path("/cgi-bin/ajax/jsoc_fetch");
        RequestMatcher exportRequest = r -> jsocFetch.matches(r) && "exp_request".equals(r.getParameter("op"));
        RequestMatcher reading = r -> HttpMethod.GET.matches(r.getMethod()) || HttpMethod.HEAD.matches(r.getMethod());
        http.csrf(c -> c.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(c -> c.disable())
                .httpBasic(b -> b.realmName("drms").authenticationEntryPoint(problems))
                .addFilterBefore(new CrossSiteRequests(), BasicAuthenticationFilter.class)
                .addFilterBefore(new ApiTokenFilter(token), BasicAuthenticationFilter.class)
                .exceptionHandling(e -> e.authenticationEntryPoint(problems).accessDeniedHandler(problems))
                .authorizeHttpRequests(a -> {
                    a.dispatcherTypeMatchers(DispatcherType.ERROR).permitAll();
                    a.requestMatchers(HttpMethod.POST, "/api/jobs/executions/*/recover").hasRole(Role.ADMIN.name());
                    a.requestMatchers(HttpMethod.POST, "/api/jobs/**", "/streamdata", "/cleanbuf")
                            .hasRole(Role.OPERATE.name());
                    // the glitchflow body's user/token are credentials too: the controller checks them (Operators)
                    a.requestMatchers(HttpMethod.POST, "/train").permitAll();
                    // a load balancer probes health without credentials; its details need the role read
                    // (management.endpoint.health.roles). /actuator/prometheus is a read like any other GET.
                    a.requestMatchers(HttpMethod.GET, "/actuator/health", "/actuator/health/**").permitAll();
                    openOr(a.requestMatchers(exportRequest), security.jsoc().openExports(), Role.OPERATE);
                    openOr(a.requestMatchers(path("/cgi-bin/ajax/**")), security.jsoc().openReads(), Role.READ);
                    openOr(a.requestMatchers(reading), security.openReads(), Role.READ);
                    a.anyRequest().hasRole(Role.OPERATE.name());
                });
        return http.build();
    }

    private static RequestMatcher path(String pattern) {
        return PathPatternRequestMatcher.withDefaults().matcher(pattern);
    }

    /** Open to anyone, or only to the role (and the roles above it). */
    private static void openOr(AuthorizeHttpRequestsConfigurer<HttpSecurity>.AuthorizedUrl url, boolean open,
            Role role) {
        if (open) {
            url.permitAll();
        } else {
            url.hasRole(role.name());
        }
    }
}
