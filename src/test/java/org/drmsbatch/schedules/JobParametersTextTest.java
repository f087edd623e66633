package org.drmsbatch.schedules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.parameters.JobParameter;
import org.springframework.batch.core.job.parameters.JobParameters;

/** How text parameters ({@code name=value[,type[,identifying]]}) become job parameters. */
class JobParametersTextTest {


    private JobParameter<?> one(String name, String value) {
        JobParameters p = JobControl.parameters(Map.of(name, value));
        return p.getParameter(name);
    }

    @Test
    void theSpringBatchNotationGivesTypeAndIdentifyingFlag() {
        JobParameter<?> p = one("failAt", "25,java.lang.Long,false");
        assertThat(p.value()).isEqualTo(25L);
        assertThat(p.identifying()).isFalse();
        assertThat(one("run", "r1").value()).isEqualTo("r1");
    }

    @Test
    void aQueryWithCommasIsTakenWholeAsAString() {
        assertThat(one("ds", "hmi.M_45s,hmi.V_45s").value()).isEqualTo("hmi.M_45s,hmi.V_45s");
        assertThat(one("ds", "gw.strain[H1][]{strain,other}").value()).isEqualTo("gw.strain[H1][]{strain,other}");
        assertThat(one("cparms", "compress Rice 64,64").value()).isEqualTo("compress Rice 64,64");
    }

    @Test
    void aValueItsTypeCannotTakeIsRefused() {
        assertThatThrownBy(() -> JobControl.parameters(Map.of("items", "x,java.lang.Long")))
                .isInstanceOf(JobRequestException.class).hasMessageContaining("items");
    }
}
