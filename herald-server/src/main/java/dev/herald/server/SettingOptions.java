package dev.herald.server;

import dev.herald.config.ConfigLoader;
import dev.herald.config.ServerSettings;
import dev.herald.settings.Flag;
import dev.herald.settings.Setting;
import java.util.List;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Gives the {@code herald} command one option per setting of the schema ({@link
 * ServerSettings#commandLine()}), in that order: the flag, its {@code HERALD_*} variable as the
 * default's source, then the schema's default, the {@code --help} text, and no shown default for a
 * secret. {@code -h} and {@code -V} stay last.
 */
public final class SettingOptions implements IModelTransformer {

    /** What the help of a true-or-false flag adds to its description. */
    static final String BOOLEAN_VALUES =
            "true or false (default: ${DEFAULT-VALUE}); the flag alone means true.";

    @Override
    public CommandSpec transform(CommandSpec spec) {
        List<OptionSpec> standard =
                spec.options().stream().filter(o -> o.usageHelp() || o.versionHelp()).toList();
        standard.forEach(spec::remove);
        for (Setting<?> setting : ServerSettings.commandLine()) {
            if (setting.flag().name() != null) {
                spec.addOption(option(setting));
            }
        }
        standard.forEach(spec::addOption);
        return spec;
    }

    private static OptionSpec option(Setting<?> setting) {
        Flag flag = setting.flag();
        String fallback = setting.flagDefault();
        OptionSpec.Builder option =
                OptionSpec.builder(flag.name())
                        .paramLabel("<" + flag.label() + ">")
                        .description(flag.help())
                        .type(setting.type().flagType())
                        .defaultValue(
                                "${env:"
                                        + flag.env()
                                        + (fallback == null ? "" : ":-" + fallback)
                                        + "}");
        Class<?> element = setting.type().flagElementType();
        if (element != null) {
            option.auxiliaryTypes(element).splitRegex(",");
        }
        if (setting.type().flagType() == boolean.class) {
            // picocli shows no default for a boolean, so the text says it; the flag alone means
            // true
            option.arity("0..1")
                    .fallbackValue("true")
                    .description(flag.help() + " " + BOOLEAN_VALUES);
        }
        if (flag.secret()) {
            option.showDefaultValue(Visibility.NEVER);
        }
        return option.build();
    }

    /** The values of a parsed {@code herald} command line. */
    static ConfigLoader.Source source(CommandSpec spec) {
        return new ConfigLoader.Source() {
            @Override
            public Object raw(Setting<?> setting) {
                Flag flag = setting.flag();
                return flag.name() == null
                        ? System.getenv(flag.env())
                        : spec.findOption(flag.name()).getValue();
            }

            @Override
            public boolean isSet(Setting<?> setting) {
                Flag flag = setting.flag();
                return (flag.name() != null
                                && spec.commandLine()
                                        .getParseResult()
                                        .hasMatchedOption(flag.name()))
                        || System.getenv(flag.env()) != null;
            }
        };
    }
}
