package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every form of credential a URL may carry is masked where printed and refused where given on a command line. */
class UrlSecretsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "jdbc:postgresql://db:5432/shop?user=etl&password=s3cret&ssl=true | jdbc:postgresql://db:5432/shop?user=etl&password=***&ssl=true | password=",
            "jdbc:postgresql://etl:s3cret@db:5432/shop | jdbc:postgresql://etl:***@db:5432/shop | a password in the user info",
            "jdbc:postgresql://db/shop?sslmode=verify-full&sslpassword=s3cret | jdbc:postgresql://db/shop?sslmode=verify-full&sslpassword=*** | sslpassword=",
            "jdbc:sqlserver://db:1433;databaseName=shop;user=etl;password=s3cret | jdbc:sqlserver://db:1433;databaseName=shop;user=etl;password=*** | password=",
            "jdbc:redshift://c.eu:5439/dev?AccessKeyID=AKIA1&SecretAccessKey=s3cret | jdbc:redshift://c.eu:5439/dev?AccessKeyID=***&SecretAccessKey=*** | AccessKeyID=",
            "jdbc:snowflake://acme.snowflakecomputing.com/?token=s3cret | jdbc:snowflake://acme.snowflakecomputing.com/?token=*** | token=",
            "jdbc:oracle:thin:etl/s3cret@db:1521/shop | jdbc:oracle:thin:etl/***@db:1521/shop | a user/password before @",
            "jdbc:mysql://db/shop?PWD=s3cret | jdbc:mysql://db/shop?PWD=*** | PWD=",
            "jdbc:postgresql://db/shop?user=etl | jdbc:postgresql://db/shop?user=etl | user=",
            "https://lineage:s3cret@marquez.example/api?api_key=s3cret | https://lineage:***@marquez.example/api?api_key=*** | a password in the user info"})
    void eachFormIsMaskedAndNamedWithoutItsValue(String url, String masked, String found) {
        assertThat(UrlSecrets.masked(url)).isEqualTo(masked).doesNotContain("s3cret");
        assertThat(UrlSecrets.credentialIn(url)).contains(found);
        assertThatThrownBy(() -> UrlSecrets.refuseCredentials("--source", url)).isInstanceOf(InvalidInputException.class)
                .hasMessage("--source must not carry credentials (" + found + "): set KINDLING_JDBC_USER and KINDLING_JDBC_PASSWORD instead");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdbc:postgresql://db:5432/shop", "jdbc:postgresql://db/shop?ssl=true&sslmode=require", "jdbc:derby:memory:x;create=true",
            "sc://127.0.0.1:15002", "http://127.0.0.1:5000/api/v1/lineage"})
    void aUrlWithoutCredentialsIsLeftAsItIs(String url) {
        assertThat(UrlSecrets.masked(url)).isEqualTo(url);
        assertThat(UrlSecrets.credentialIn(url)).isEmpty();
    }
}
