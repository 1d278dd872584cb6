package com.strongroom.cli;

import com.strongroom.audit.AuditEvent;
import com.strongroom.auth.ApiKeys;
import com.strongroom.auth.Bootstrap;
import com.strongroom.auth.Organizations;
import com.strongroom.auth.Role;
import com.strongroom.config.StrongroomConfig;
import com.strongroom.store.MetadataStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The only way, besides the first start's bootstrap file, to get an operator API key: on the
 * host, with the service stopped (the metadata database is the service's while it runs). The
 * secret goes to a new 0600 file, never to the terminal.
 */
@Command(
        name = "grant-operator",
        mixinStandardHelpOptions = true,
        description = "Create an operator API key (for /v1/system/*) and write it to a new 0600 file.")
final class KeysGrantOperatorCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "What the key is for.")
    String name;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "New file for the key (0600).")
    Path out;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        StrongroomConfig c = config.load();
        var err = spec.commandLine().getErr();
        if (name.isBlank() || name.length() > 200) {
            err.println("--name must be 1 to 200 characters");
            return 2;
        }
        if (Files.exists(out)) {
            err.println(out + " exists already; give a new file");
            return 2;
        }
        try (OperatorSession s = new OperatorSession(c)) {
            if (RunningAppliance.isRunning(c)) {
                err.println("stop the service first (systemctl stop strongroom): the key goes into its database");
                return 1;
            }
            MetadataStore metadata = new MetadataStore(c.metadataFile());
            s.keys.addListener(metadata);
            s.unsealOrFail();
            String org = new Organizations(metadata)
                    .first()
                    .orElseThrow(() -> new IllegalStateException("no organization yet: start the service once first"));
            ApiKeys.CreatedKey key =
                    new ApiKeys(metadata, s.keys).create(org, name, Role.OPERATOR, Set.of("*"), true, null, "operator");
            Bootstrap.writeKey(out.toAbsolutePath(), key.secret());
            s.record(
                    "apikey.create", key.id(), AuditEvent.Outcome.SUCCESS, "operator key '" + name + "' from the host");
            spec.commandLine().getOut().printf("operator key %s written to %s%n", key.id(), out);
            return 0;
        }
    }
}
