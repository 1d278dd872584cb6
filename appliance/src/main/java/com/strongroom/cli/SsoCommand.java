package com.strongroom.cli;

import picocli.CommandLine.Command;

@Command(
        name = "sso",
        mixinStandardHelpOptions = true,
        description = "Single sign-on through the customer's Keycloak.",
        subcommands = {SsoProvisionCommand.class})
final class SsoCommand {}
