package org.drmsbatch;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import java.sql.SQLException;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/**
 * The layering of {@code docs/architecture.md} as tests over the compiled main classes: arrows
 * point down only, never sideways between two job packages or two library siblings, and the library knows
 * nothing of Spring Batch, HTTP or the command line. Classes are imported once for the whole class.
 *
 * <p>A failing rule lists every offending dependency (class, member, line): fix the code, not the rule.
 */
@AnalyzeClasses(packages = "org.drmsbatch", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {

    /** The library: driven alike by a job, a REST call or a test. */
    private static final String[] LIBRARY = {
        "org.drmsbatch.drms..", // incl. drms.types, drms.query, drms.time
        "org.drmsbatch.sums..",
        "org.drmsbatch.segments..",
        "org.drmsbatch.buffer..",
        "org.drmsbatch.export..",
        "org.drmsbatch.staging..",
    };

    /** Spring Batch, HTTP and the command line: what the library must not know. */
    private static final String[] FRAMEWORKS = {
        "org.springframework.batch..",
        "org.springframework.web..",
        "org.springframework.http..",
        "jakarta.servlet..",
        "picocli..",
    };

    /** The faces, the jobs and the application wiring: everything above the library. */
    private static final String[] ABOVE_LIBRARY = {
        "org.drmsbatch.api..",
        "org.drmsbatch.cli..",
        "org.drmsbatch.jobs..",
        "org.drmsbatch.schedules..",
        "org.drmsbatch.readers..",
        "org.drmsbatch.writers..",
        "org.drmsbatch.processors..",
        "org.drmsbatch.config..",
        "org.drmsbatch.metrics..",
        "org.drmsbatch.cluster..",
    };

    /** drms/ with drms.query and drms.time, but without its shared vocabulary drms/types. */
    private static final DescribedPredicate<JavaClass> DRMS_OUTSIDE_TYPES =
            resideInAPackage("org.drmsbatch.drms..").and(resideOutsideOfPackage("org.drmsbatch.drms.types.."))
                    .as("reside in package 'org.drmsbatch.drms..' outside of 'org.drmsbatch.drms.types..'");

    // 1. The library knows nothing of Spring Batch, HTTP, the command line, nor of anything above it.

    @ArchTest
    static final ArchRule library_does_not_depend_on_spring_batch_web_or_picocli =
            noClasses()
                    .that().resideInAnyPackage(LIBRARY)
                    .should().dependOnClassesThat().resideInAnyPackage(FRAMEWORKS)
                    .because("the library (drms, sums, segments, buffer, export, staging) knows nothing of Spring"
                            + " Batch, HTTP or the command line: a job, a REST call or a test can drive it alike"
                            + " (docs/architecture.md)");

    @ArchTest
    static final ArchRule library_does_not_depend_on_faces_jobs_or_config =
            noClasses()
                    .that().resideInAnyPackage(LIBRARY)
                    .should().dependOnClassesThat().resideInAnyPackage(ABOVE_LIBRARY)
                    .because("arrows point down only: the faces (cli, api, schedules), the jobs with their shared"
                            + " batch parts (readers, writers, processors) and the wiring (config) call the library,"
                            + " never the other way round (docs/architecture.md)");

    // 2. No sideways imports between job packages. Classes directly in org.drmsbatch.jobs are shared by
    //    the jobs and belong to no slice: "org.drmsbatch.jobs.(*).." needs at least one package below jobs.

    @ArchTest
    static final ArchRule job_packages_do_not_depend_on_each_other =
            slices().matching("org.drmsbatch.jobs.(*)..").namingSlices("job '$1'")
                    .should().notDependOnEachOther()
                    .because("one package per job, and never sideways between two job packages: what two jobs"
                            + " share lives directly in jobs/, in readers/, writers/, processors/ or in the library"
                            + " (docs/architecture.md)");

    // 3. drms/ and segments/ are library siblings that share only drms/types, which imports neither.

    @ArchTest
    static final ArchRule drms_does_not_depend_on_segments =
            noClasses()
                    .that(DRMS_OUTSIDE_TYPES)
                    .should().dependOnClassesThat().resideInAPackage("org.drmsbatch.segments..")
                    .because("drms/ and segments/ are library siblings, never sideways: they share only the"
                            + " vocabulary in drms/types (docs/architecture.md)");

    @ArchTest
    static final ArchRule segments_does_not_depend_on_drms_outside_types =
            noClasses()
                    .that().resideInAPackage("org.drmsbatch.segments..")
                    .should().dependOnClassesThat(DRMS_OUTSIDE_TYPES)
                    .because("drms/ and segments/ are library siblings, never sideways: they share only the"
                            + " vocabulary in drms/types (docs/architecture.md)");

    @ArchTest
    static final ArchRule drms_types_depends_on_neither_drms_nor_segments =
            noClasses()
                    .that().resideInAPackage("org.drmsbatch.drms.types..")
                    .should().dependOnClassesThat(DRMS_OUTSIDE_TYPES
                            .or(resideInAPackage("org.drmsbatch.segments.."))
                            .as(DRMS_OUTSIDE_TYPES.getDescription() + " or in package 'org.drmsbatch.segments..'"))
                    .because("drms/types (DrmsType, Protocol) is the vocabulary both drms/ and segments/ use,"
                            + " importing neither (docs/architecture.md)");

    // 4. Shared batch parts serve two or more jobs, so they know none of them.

    @ArchTest
    static final ArchRule shared_batch_parts_do_not_depend_on_jobs =
            noClasses()
                    .that().resideInAnyPackage(
                            "org.drmsbatch.readers..", "org.drmsbatch.writers..", "org.drmsbatch.processors..")
                    .should().dependOnClassesThat().resideInAPackage("org.drmsbatch.jobs..")
                    .because("readers/, writers/ and processors/ hold Spring Batch parts shared by two or more"
                            + " jobs: the jobs use them, they never reach up into a job (docs/architecture.md)");

    // 4b. The cluster sends and runs partitions of any job: the jobs use it, it knows none of them nor the faces.

    @ArchTest
    static final ArchRule cluster_knows_no_job_face_or_wiring =
            noClasses()
                    .that().resideInAPackage("org.drmsbatch.cluster..")
                    .should().dependOnClassesThat().resideInAnyPackage("org.drmsbatch.jobs..", "org.drmsbatch.api..",
                            "org.drmsbatch.cli..", "org.drmsbatch.schedules..", "org.drmsbatch.config..")
                    .because("cluster/ (remote partitioning) serves every partitioned job: the jobs and the wiring"
                            + " use it, never the other way round (docs/architecture.md)");

    // 5. The application class knows nothing of the command line; no cycles between top-level packages.

    @ArchTest
    static final ArchRule application_class_does_not_depend_on_cli =
            noClasses()
                    .that().resideInAPackage("org.drmsbatch")
                    .should().dependOnClassesThat().resideInAPackage("org.drmsbatch.cli..")
                    .because("the application class knows nothing of the command line: the drms command starts"
                            + " the application, not the other way round (docs/architecture.md, pom.xml start-class)");

    /**
     * One slice per top-level package under org.drmsbatch: drms with drms.types, drms.query and drms.time
     * is ONE slice ("drms"), as are jobs with all job packages and sums with sums.tape. Cycles inside such
     * a slice are the business of rules 2, 3 and 6; classes directly in org.drmsbatch are in no slice.
     */
    @ArchTest
    static final ArchRule top_level_packages_are_free_of_cycles =
            slices().matching("org.drmsbatch.(*)..").namingSlices("top-level package '$1'")
                    .should().beFreeOfCycles()
                    .because("arrows point down only: faces -> schedules -> jobs -> shared batch parts -> library"
                            + " (docs/architecture.md)");

    // 6. The library packages are free of cycles among themselves.

    /**
     * One slice per library package as docs/architecture.md draws it: drms (with drms.query and drms.time),
     * drms.types (on its own: the vocabulary below both drms and segments), sums (with sums.tape),
     * segments, buffer, export, staging. Everything outside the library is ignored.
     */
    private static final SliceAssignment LIBRARY_PACKAGES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            if (resideInAPackage("org.drmsbatch.drms.types..").test(javaClass)) {
                return SliceIdentifier.of("drms.types");
            }
            for (String library : LIBRARY) {
                if (resideInAnyPackage(library).test(javaClass)) {
                    return SliceIdentifier.of(library.substring("org.drmsbatch.".length(), library.length() - 2));
                }
            }
            return SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "library packages (drms, drms.types, sums, segments, buffer, export, staging)";
        }
    };

    @ArchTest
    static final ArchRule library_packages_are_free_of_cycles =
            slices().assignedFrom(LIBRARY_PACKAGES)
                    .should().beFreeOfCycles()
                    .because("library siblings never import each other in a circle: each can be understood,"
                            + " tested and changed from below (docs/architecture.md)");

    // 7. Faces and job control sit on top: nothing below them depends on them, and faces hold no SQL.

    @ArchTest
    static final ArchRule jobs_and_shared_batch_parts_do_not_depend_on_faces_or_job_control =
            noClasses()
                    .that().resideInAnyPackage("org.drmsbatch.jobs..", "org.drmsbatch.readers..",
                            "org.drmsbatch.writers..", "org.drmsbatch.processors..")
                    .should().dependOnClassesThat().resideInAnyPackage("org.drmsbatch.schedules..",
                            "org.drmsbatch.api..", "org.drmsbatch.cli..")
                    .because("jobs are started by JobControl and the faces, never the other way round"
                            + " (docs/architecture.md)");

    @ArchTest
    static final ArchRule job_control_does_not_depend_on_faces =
            noClasses()
                    .that().resideInAPackage("org.drmsbatch.schedules..")
                    .should().dependOnClassesThat().resideInAnyPackage("org.drmsbatch.api..", "org.drmsbatch.cli..")
                    .because("JobControl serves the command line, the REST API and schedules alike"
                            + " (docs/architecture.md)");

    @ArchTest
    static final ArchRule faces_hold_no_sql =
            noClasses()
                    .that().resideInAnyPackage("org.drmsbatch.api..", "org.drmsbatch.cli..")
                    .should().dependOnClassesThat(resideInAnyPackage("javax.sql..", "org.springframework.jdbc..")
                            .or(resideInAPackage("java.sql").and(DescribedPredicate.not(assignableTo(
                                    SQLException.class)))))
                    .because("faces only delegate: the catalog is read through the library (RecordSets, Drms) and"
                            + " Spring Batch's tables through JobControl; an SQLException may only be told apart"
                            + " in an error message (docs/architecture.md)");
}
