package org.drmsbatch.api.security;

import org.drmsbatch.api.security.DrmsSecurityProperties.Role;
import org.drmsbatch.config.ApiToken;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Who operates the buffer through glitchflow's {@code POST /train}, whose body {@code {"user": …, "token": …}}
 * names the operator. The request's own credentials (Bearer or Basic) count first; without them, the body's are
 * taken as credentials: {@code token} is the API token (then {@code user} names the operator), or the password of
 * the {@code drms.security.users} user {@code user}. Either way the operator needs the role operate. Only the
 * operator's name is kept; the token is never stored or shown.
 */
@Component
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public class Operators {

    private final ApiToken token;
    private final UserDetailsService users;
    private final PasswordEncoder passwords;
    private final RoleHierarchy roles;

    public Operators(ApiToken token, UserDetailsService users, PasswordEncoder passwords, RoleHierarchy roles) {
        this.token = token;
        this.users = users;
        this.passwords = passwords;
        this.roles = roles;
    }

    /**
     * The name of the operator the request authenticates, for the body's {@code user} and {@code token}; throws
     * an authentication failure (401) or a refusal (403) otherwise.
     */
    public String operator(String user, String secret) {
        Authentication auth = SecurityContextHolder.getContextHolderStrategy().getContext().getAuthentication();
        if (auth != null && auth.isAuthenticated() && !(auth instanceof AnonymousAuthenticationToken)) {
            requireOperate(auth.getName(), auth.getAuthorities());
            return ApiTokenFilter.PRINCIPAL.equals(auth.getName()) && !user.isBlank() ? user : auth.getName();
        }
        if (token.matches(secret)) {
            return user.isBlank() ? ApiTokenFilter.PRINCIPAL : user;
        }
        UserDetails known;
        try {
            known = users.loadUserByUsername(user);
        } catch (UsernameNotFoundException e) {
            known = null;
        }
        // an unknown user costs the same hash check as a known one, so that the answer's time does not tell them apart
        boolean matches = secret != null && passwords.matches(secret, known != null ? known.getPassword() : unknown());
        if (known == null || !matches) {
            throw new SecurityProblems.MissingCredentials("POST /train needs the role operate: send the API token "
                    + "(Authorization: Bearer …, or as the body's \"token\") or a user's credentials");
        }
        requireOperate(user, known.getAuthorities());
        return user;
    }

    private String unknownHash;

    /** A hash no secret matches, made once, to check against for an unknown user. */
    private synchronized String unknown() {
        if (unknownHash == null) {
            unknownHash = passwords.encode(java.util.UUID.randomUUID().toString());
        }
        return unknownHash;
    }

    private void requireOperate(String name, java.util.Collection<? extends GrantedAuthority> granted) {
        boolean operate = roles.getReachableGrantedAuthorities(granted).stream()
                .anyMatch(a -> ("ROLE_" + Role.OPERATE).equals(a.getAuthority()));
        if (!operate) {
            throw new SecurityProblems.RoleMissing("user " + name + " lacks the role operate");
        }
    }
}
