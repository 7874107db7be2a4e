package dev.kindling.dsl;

import static org.apache.spark.sql.functions.asin;
import static org.apache.spark.sql.functions.cos;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.radians;
import static org.apache.spark.sql.functions.sin;
import static org.apache.spark.sql.functions.sqrt;

import org.apache.spark.sql.Column;

/** Great-circle distance (haversine formula; Spark has no built-in for it). */
final class GreatCircle {

    /** The mean Earth radius (IUGG). */
    static final double EARTH_RADIUS_KM = 6371.0088;

    private GreatCircle() {
    }

    /** Kilometres from the columns' point to a fixed point given in degrees. */
    static Column kilometres(Column latitude, Column longitude, double toLatitude, double toLongitude) {
        Column lat1 = radians(latitude);
        Column lat2 = lit(Math.toRadians(toLatitude));
        Column dLat = lat2.minus(lat1);
        Column dLon = lit(Math.toRadians(toLongitude)).minus(radians(longitude));
        Column h = pow(sin(dLat.divide(2)), 2).plus(cos(lat1).multiply(cos(lat2)).multiply(pow(sin(dLon.divide(2)), 2)));
        return lit(2 * EARTH_RADIUS_KM).multiply(asin(sqrt(h)));
    }

    /** The same formula in plain Java, for checking the Column version and for generating data. */
    static double kilometres(double latitude, double longitude, double toLatitude, double toLongitude) {
        double lat1 = Math.toRadians(latitude);
        double lat2 = Math.toRadians(toLatitude);
        double dLat = lat2 - lat1;
        double dLon = Math.toRadians(toLongitude - longitude);
        double h = Math.pow(Math.sin(dLat / 2), 2) + Math.cos(lat1) * Math.cos(lat2) * Math.pow(Math.sin(dLon / 2), 2);
        return 2 * EARTH_RADIUS_KM * Math.asin(Math.sqrt(h));
    }
}
